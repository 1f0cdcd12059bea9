/**
 * slack-app-manifest.socket-mode.yaml is the HTTP manifest for Socket Mode: the same app (scopes, events, the
 * command, interactivity, App Home), socket_mode_enabled, and no request URL anywhere (Slack sends everything over
 * the socket). Both files are parsed as YAML and compared, so a scope or event added to one is missed in the other
 * only until this test runs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  findManifest,
  HTTP_MANIFEST,
  manifestBotScopes,
  SOCKET_MODE_MANIFEST,
} from '../../functions/slack/appManifest.js';

const read = (name: string) => {
  const path = findManifest(name);
  expect(path, name).toBeDefined();
  return parse(readFileSync(path!, 'utf8')) as Record<string, unknown>;
};

/** The manifest without what Socket Mode does without: every request URL; Socket Mode itself switched on. */
function asSocketMode(manifest: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(manifest) as {
    features: { slash_commands?: { url?: string }[] };
    settings: {
      event_subscriptions?: { request_url?: string };
      interactivity?: { request_url?: string };
      socket_mode_enabled?: boolean;
    };
  };
  for (const command of copy.features.slash_commands ?? []) delete command.url;
  delete copy.settings.event_subscriptions?.request_url;
  delete copy.settings.interactivity?.request_url;
  copy.settings.socket_mode_enabled = true;
  return copy as unknown as Record<string, unknown>;
}

describe('slack-app-manifest.socket-mode.yaml', () => {
  it('is the HTTP manifest with Socket Mode on and no request URLs', () => {
    const http = read(HTTP_MANIFEST);
    const socket = read(SOCKET_MODE_MANIFEST);
    expect((http.settings as { socket_mode_enabled: boolean }).socket_mode_enabled).toBe(false);
    expect(socket).toEqual(asSocketMode(http));
  });

  it('names no URL to call back, and asks for the scopes the self-check checks', () => {
    const text = readFileSync(findManifest(SOCKET_MODE_MANIFEST)!, 'utf8');
    expect(text).not.toMatch(/request_url|^\s*url:/m);
    expect(manifestBotScopes(findManifest(SOCKET_MODE_MANIFEST))).toEqual(manifestBotScopes());
  });
});
