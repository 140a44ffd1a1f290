import { context, propagation, trace, type Span, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

let initialized = false;

/**
 * Registers W3C trace-context propagation, so trace ids cross NATS headers and HTTP.
 * An OpenTelemetry SDK (exporters) is registered by the deployment's preload when configured.
 */
export function initTelemetry(): void {
  if (initialized) return;
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  initialized = true;
}

export const tracer = () => trace.getTracer('clawfleet');

/** Trace and span ids of the active span, for log lines. */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const span: Span | undefined = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

export interface HeaderCarrier {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

const getter: TextMapGetter<HeaderCarrier> = {
  keys: () => ['traceparent', 'tracestate'],
  get: (carrier, key) => carrier.get(key),
};
const setter: TextMapSetter<HeaderCarrier> = { set: (carrier, key, value) => carrier.set(key, value) };

export function injectTraceContext(carrier: HeaderCarrier): void {
  propagation.inject(context.active(), carrier, setter);
}

export function extractTraceContext(carrier: HeaderCarrier) {
  return propagation.extract(context.active(), carrier, getter);
}
