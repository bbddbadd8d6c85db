import { AnswerSourceError, httpSource, type AnswerSource, type RemoteModelInfo } from '@rgdl/poison';
import { UsageError } from './usage-error.js';

/** A running server as an answer source; an unreachable or foreign server is a user error (one line, exit 2). */
export async function connectSource(url: string): Promise<AnswerSource & { readonly info: RemoteModelInfo }> {
  try {
    const source = await httpSource(url);
    return {
      ...source,
      async answer(inputs) {
        try {
          return await source.answer(inputs);
        } catch (error) {
          if (error instanceof AnswerSourceError) throw new UsageError(error.message);
          throw error;
        }
      },
    };
  } catch (error) {
    if (error instanceof AnswerSourceError) throw new UsageError(error.message);
    throw error;
  }
}
