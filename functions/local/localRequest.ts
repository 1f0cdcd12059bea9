import azureFunctions from '@azure/functions';
import { withPreReadBody } from '../handlers/readBody.js';

// The package is CommonJS without named-export hints, so its classes come from the default export.
const { HttpRequest } = azureFunctions;

/**
 * The HttpRequest the Functions host would pass, for a request whose body `npm start` has already read: a real
 * `HttpRequest` over a stand-in for its native fetch Request, which builds that Request (and its body stream)
 * only if a handler asks for the body as a stream or through text()/json(). readBodyWithLimit takes the bytes as
 * they are, so a signed event costs no web stream and no undici Request.
 */
export function localHttpRequest(init: {
  method: string;
  url: URL;
  headers: Headers;
  bytes: Buffer;
}): azureFunctions.HttpRequest {
  const native = new LazyNativeRequest(init.method, init.url.toString(), init.headers, init.bytes);
  // `nativeRequest` is how the host itself builds one (a streamed request); it is absent from the typed init.
  const request = new HttpRequest({
    method: init.method,
    url: native.url,
    query: Object.fromEntries(init.url.searchParams),
    nativeRequest: native as unknown as Request,
  } as azureFunctions.HttpRequestInit);
  return withPreReadBody(request, init.bytes);
}

/** The part of a fetch Request that HttpRequest reads; the body parts build the real one on first use. */
class LazyNativeRequest {
  #real: Request | undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Headers,
    private readonly bytes: Buffer,
  ) {}

  private real(): Request {
    const hasBody = this.method !== 'GET' && this.method !== 'HEAD';
    this.#real ??= new Request(this.url, {
      method: this.method,
      headers: this.headers,
      body: hasBody ? (this.bytes as unknown as BodyInit) : undefined,
    });
    return this.#real;
  }

  get body() {
    return this.real().body;
  }
  get bodyUsed() {
    return this.#real?.bodyUsed ?? false;
  }
  arrayBuffer() {
    return this.real().arrayBuffer();
  }
  blob() {
    return this.real().blob();
  }
  formData() {
    return this.real().formData();
  }
  json() {
    return this.real().json();
  }
  text() {
    return this.real().text();
  }
  clone() {
    return this.real().clone();
  }
}
