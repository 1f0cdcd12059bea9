/**
 * `/til admin …` (SPEC 9). A placeholder entry of the command table until the admin actions land: admins are
 * told it is not available yet, anyone else gets the refusal SPEC 4 asks for. Nothing is changed either way.
 */
import type { UserId } from '../domain/types.js';
import type { Subcommand } from './commandReceiver.js';

export interface AdminCommandDeps {
  adminUserIds: readonly UserId[];
  refusal(): string;
  notAvailable(): string;
}

export function adminCommand(deps: AdminCommandDeps): Subcommand {
  return ({ command }) => ({
    answer: deps.adminUserIds.includes(command.user_id) ? deps.notAvailable() : deps.refusal(),
  });
}
