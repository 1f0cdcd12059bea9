/**
 * The members' Slack surfaces (issue 12: `/til`, App Home, their clicks), composed for services.ts: the edge
 * receivers (shared by every transport: HTTP here, Socket Mode too), their HTTP handlers, and what the queue
 * consumer runs for them. Part of the composition root: only services.ts imports it.
 */
import type { QueueSender } from './adapters/queue/queue.js';
import type { SlackPort } from './adapters/slack/slack.js';
import type { Store } from './adapters/store/store.js';
import { createCommandProcessor } from './app/commandProcessor.js';
import { createHomeTab } from './app/homeTab.js';
import type { Logger } from './app/logger.js';
import { createMemberActions } from './app/memberActions.js';
import type { MemberDirectory } from './app/memberDirectory.js';
import { createMemberStatus } from './app/memberStatus.js';
import type { AppConfig } from './config.js';
import { createSlackCommandsHandler } from './handlers/slackCommands.js';
import { createSlackInteractionsHandler } from './handlers/slackInteractions.js';
import type { Templates } from './messages/templates.js';
import { type CommandTable, createCommandReceiver, type Subcommand } from './slack/commandReceiver.js';
import { createInteractionReceiver } from './slack/interactionReceiver.js';
import { memberCommands } from './slack/memberCommands.js';

export interface MemberSurfaceDeps {
  config: AppConfig;
  store: Store;
  queue: QueueSender;
  slack: SlackPort;
  members: MemberDirectory;
  templates: Templates;
  log: Logger;
  now: () => number;
  /** `/til admin …` (adminSurfaceServices.ts). */
  adminCommand: Subcommand;
}

export function createMemberSurfaces(deps: MemberSurfaceDeps) {
  const { config, store, queue, slack, templates, log, now } = deps;
  const timeZone = config.rules.timeZone;
  const status = createMemberStatus({ store, slack, members: deps.members, config, log });
  const home = createHomeTab({ store, slack, status, texts: templates.homeTexts(), config, log, now });
  const memberActions = createMemberActions({ store, config });
  const help = {
    passesOn: config.passesPerMonth > 0,
    passesPerMonth: config.passesPerMonth,
    remindersScheduled: config.reminderAt !== undefined,
  };
  const members = memberCommands({
    timeZone,
    statusText: async (userId, nowMs) => templates.statusBrief(await status.of(userId, nowMs)),
    helpText: () => templates.commandHelp(help),
    unknownText: (typed) => templates.unknownCommand({ ...help, typed }),
  });
  const table: CommandTable = {
    subcommands: {
      ...members.subcommands,
      admin: deps.adminCommand,
    },
    unknown: members.unknown,
  };
  const receiveCommand = createCommandReceiver({ table, queue, now });
  const receiveInteraction = createInteractionReceiver({ timeZone, queue, now });
  const signing = { signingSecret: config.slack.signingSecret, now };
  return {
    /** For other transports (Socket Mode): the same receivers the HTTP handlers use. */
    receiveCommand,
    receiveInteraction,
    home,
    processMemberAction: createCommandProcessor({ memberActions, slack, home, templates, log }),
    slackCommands: createSlackCommandsHandler({ ...signing, receive: receiveCommand }),
    slackInteractions: createSlackInteractionsHandler({ ...signing, receive: receiveInteraction }),
  };
}
