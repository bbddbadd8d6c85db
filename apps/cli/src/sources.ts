import { AnswerSourceError, httpSource, type AnswerSource, type RemoteModelInfo, type RetryEvent } from '@rgdl/poison';
import type { CliIo } from './io.js';
import { NetworkError, UsageError } from '@rgdl/experiments';

/** A server that could not be reached (after retries) is a network failure (exit 4); a refusal or a foreign server is a user error (exit 2). */
function translate(error: unknown): unknown {
  if (!(error instanceof AnswerSourceError)) return error;
  return error.kind === 'unreachable' ? new NetworkError(error.message) : new UsageError(error.message);
}

/** Prints each retry on stderr when `debug` (the command's --debug). */
export function retryLogger(io: CliIo, debug: boolean): ((event: RetryEvent) => void) | undefined {
  if (!debug) return undefined;
  return (e) => io.err(`rgdl: retry ${e.attempt} of ${e.url} in ${e.waitMs} ms after ${e.reason.split('\n')[0]}\n`);
}

/** A running server as an answer source; requests are retried on reset connections and 503s (httpSource). */
export async function connectSource(
  url: string,
  onRetry?: (event: RetryEvent) => void,
): Promise<AnswerSource & { readonly info: RemoteModelInfo }> {
  try {
    const source = await httpSource(url, onRetry !== undefined ? { onRetry } : {});
    return {
      ...source,
      async answer(inputs) {
        try {
          return await source.answer(inputs);
        } catch (error) {
          throw translate(error);
        }
      },
    };
  } catch (error) {
    throw translate(error);
  }
}
