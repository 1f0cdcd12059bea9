import type { IncomingHttpHeaders } from 'node:http';

/**
 * A request's headers as a fetch `Headers`, over the object Node's parser already built (names lower-cased,
 * repeats joined as Node joins them). `get` and `has`, all a handler asks of a signed Slack request, read that
 * object; anything else builds the real `Headers` once (undici's, which validates every name and value) and
 * answers from it from then on, so a change made through one method is seen by all.
 */
export class NodeHeaders implements Headers {
  #real: Headers | undefined;

  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    if (this.#real) return this.#real.get(name);
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    if (this.#real) return this.#real.has(name);
    return this.raw[name.toLowerCase()] !== undefined;
  }

  /** The real Headers, built on first use from the same values `get` reads. */
  real(): Headers {
    if (!this.#real) {
      const real = new Headers();
      for (const [name, value] of Object.entries(this.raw)) {
        if (value !== undefined) real.append(name, Array.isArray(value) ? value.join(', ') : value);
      }
      this.#real = real;
    }
    return this.#real;
  }

  append(name: string, value: string): void {
    this.real().append(name, value);
  }
  delete(name: string): void {
    this.real().delete(name);
  }
  set(name: string, value: string): void {
    this.real().set(name, value);
  }
  getSetCookie(): string[] {
    return this.real().getSetCookie();
  }
  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.real().forEach((value, key) => {
      callback.call(thisArg, value, key, this);
    });
  }
  entries(): HeadersIterator<[string, string]> {
    return this.real().entries();
  }
  keys(): HeadersIterator<string> {
    return this.real().keys();
  }
  values(): HeadersIterator<string> {
    return this.real().values();
  }
  [Symbol.iterator](): HeadersIterator<[string, string]> {
    return this.real()[Symbol.iterator]();
  }
}
