import azureFunctions, { type HttpRequestParams, type HttpRequestUser } from '@azure/functions';
import { withPreReadBody } from '../handlers/readBody.js';
import { NodeHeaders } from './nodeHeaders.js';

// The package is CommonJS without named-export hints, so its classes come from the default export.
const { HttpRequest } = azureFunctions;

/**
 * The HttpRequest the Functions host would pass, for a request whose body `npm start` has already read.
 * readBodyWithLimit takes the bytes as they are, and method, URL, headers and query are answered directly; the
 * host's own HttpRequest, over a fetch Request of the same bytes (a web stream and an undici Request), is built
 * only when a handler asks for more (the body as a stream or through text()/json(), the user, a clone). So a
 * signed event costs none of that, and every other answer is the host class's own.
 */
export function localHttpRequest(init: {
  method: string;
  url: URL;
  headers: Headers;
  bytes: Buffer;
}): azureFunctions.HttpRequest {
  return withPreReadBody(
    new LocalHttpRequest(init.method, init.url.href, init.url.search, init.headers, init.bytes),
    init.bytes,
  );
}

class LocalHttpRequest implements azureFunctions.HttpRequest {
  /** Route parameters: the local routes are fixed paths, so none, as the host passes for such a route. */
  readonly params: HttpRequestParams = {};
  #query: URLSearchParams | undefined;
  #host: azureFunctions.HttpRequest | undefined;

  constructor(
    readonly method: string,
    readonly url: string,
    private readonly search: string,
    readonly headers: Headers,
    private readonly bytes: Buffer,
  ) {}

  get query(): URLSearchParams {
    this.#query ??= new URLSearchParams(this.search);
    return this.#query;
  }

  private host(): azureFunctions.HttpRequest {
    if (!this.#host) {
      const hasBody = this.method !== 'GET' && this.method !== 'HEAD';
      const headers = this.headers instanceof NodeHeaders ? this.headers.real() : this.headers;
      const nativeRequest = new Request(this.url, {
        method: this.method,
        headers,
        body: hasBody ? (this.bytes as unknown as BodyInit) : undefined,
      });
      // `nativeRequest` is how the host itself builds one (a streamed request); it is absent from the typed init.
      this.#host = new HttpRequest({
        method: this.method,
        url: this.url,
        nativeRequest,
      } as azureFunctions.HttpRequestInit);
    }
    return this.#host;
  }

  get user(): HttpRequestUser | null {
    return this.host().user;
  }
  get body(): azureFunctions.HttpRequest['body'] {
    return this.host().body;
  }
  get bodyUsed(): boolean {
    return this.#host?.bodyUsed ?? false;
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.host().arrayBuffer();
  }
  blob(): ReturnType<azureFunctions.HttpRequest['blob']> {
    return this.host().blob();
  }
  formData(): ReturnType<azureFunctions.HttpRequest['formData']> {
    return this.host().formData();
  }
  json(): Promise<unknown> {
    return this.host().json();
  }
  text(): Promise<string> {
    return this.host().text();
  }
  clone(): azureFunctions.HttpRequest {
    return this.host().clone();
  }
}
