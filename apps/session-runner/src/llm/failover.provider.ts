import { ModelError, type LlmProvider, type ModelRequest, type ModelResponse } from './llm.port';
import { MODEL_NOT_FOUND } from './model-errors';

/** One model of a chain, and the provider that serves it. */
export interface ChainEntry {
  readonly provider: LlmProvider;
  readonly model: string;
}

/** Called when a model is given up for the next one, e.g. to log it. */
export type FailoverListener = (from: ChainEntry, to: ChainEntry, error: ModelError) => void;

/**
 * Tries each model of the chain in order, overriding the request's `model`. It moves on only when
 * the failure says another model may do better: a retryable error (the provider SDK's own retries
 * are already used up by then) or a model the server does not have. A bad request, a wrong key or
 * an abort would fail the same way everywhere, or is the caller's wish, and is thrown at once.
 */
export class FailoverProvider implements LlmProvider {
  constructor(
    private readonly chain: readonly ChainEntry[],
    private readonly onFailover?: FailoverListener,
  ) {
    if (chain.length === 0) throw new Error('FailoverProvider needs at least one model');
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    if (request.pinnedModel) return this.chain[0].provider.complete({ ...request, model: request.pinnedModel });
    const failures: Array<{ model: string; error: ModelError }> = [];
    for (const [i, entry] of this.chain.entries()) {
      // Once text reached the listener another model cannot take it back: the deltas would no longer
      // join to the returned text. Such a failure ends the chain and the turn decides what to do.
      let streamed = false;
      const onDelta = request.onDelta;
      const attempt: ModelRequest = {
        ...request,
        model: entry.model,
        ...(onDelta && { onDelta: (delta: string) => ((streamed = true), onDelta(delta)) }),
      };
      try {
        return await entry.provider.complete(attempt);
      } catch (error) {
        if (!(error instanceof ModelError)) throw error;
        const next = this.chain[i + 1];
        if (!next || streamed || request.signal?.aborted || !movesOn(error))
          throw summarize([...failures, { model: entry.model, error }]);
        failures.push({ model: entry.model, error });
        this.onFailover?.(entry, next, error);
      }
    }
    throw new Error('unreachable: the last model of the chain either answers or throws');
  }
}

const movesOn = (error: ModelError) => error.retryable || error.code === MODEL_NOT_FOUND;

/** The last error, keeping its `retryable` and `code`, with the models tried before named in its message. */
function summarize(failures: ReadonlyArray<{ model: string; error: ModelError }>): ModelError {
  const final = failures.at(-1)!.error;
  if (failures.length === 1) return final;
  const tried = failures.map((f) => `${f.model}: ${f.error.message}`).join(' | ');
  return new ModelError(`the models tried in turn all failed: ${tried}`, final.retryable, final.code);
}
