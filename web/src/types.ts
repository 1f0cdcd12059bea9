/** The read API's shapes (SPEC 3.2, 3.3). Fields are only ever added, so every optional one may be absent. */

export interface StatsWeek {
  key: string;
  ordinal: number;
  label: string;
  startsOn: string;
  deadline: string;
  threadTs: string;
  participants: number;
  likes: number;
  threadUrl?: string | null;
  skipped?: boolean;
}

export interface StatsMember {
  userId: string;
  name: string;
  weeks: string[];
  submissions: number;
  likes: number;
  challenger: boolean;
  passes?: string[];
}

export interface MonthStats {
  month: string;
  timeZone: string;
  weeks: StatsWeek[];
  members: StatsMember[];
  challengers: string[];
  specialChallengers: string[];
}

export interface HistoryMonth {
  month: string;
  weeks: number;
  participants: number;
  submissions: number;
  likes: number;
  challengers: string[];
  specialChallengers: string[];
}

export interface HistoryMember {
  userId: string;
  name: string;
  weeksTakenPart: number;
  submissions: number;
  likes: number;
  currentStreak: number;
  longestStreak: number;
  challengerMonths: string[];
}

export interface History {
  timeZone: string;
  months: HistoryMonth[];
  members: HistoryMember[];
}
