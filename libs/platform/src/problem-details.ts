import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ZodError } from 'zod';
import { DomainError, TooManyRequestsError } from './errors';

/** An RFC 9457 problem document. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: ProblemError[];
}

/** One invalid field. `position`: where in a text the problem starts (UTF-16 code units, from 0), when known. */
export interface ProblemError {
  path: string;
  message: string;
  position?: number;
}

/**
 * Where in the text an issue starts: an unstorable character names its own position (the contracts'
 * storable-text check), a text that is too long goes wrong at its limit.
 */
function positionOf(issue: ZodError['issues'][number]): number | undefined {
  if (issue.code === 'custom' && typeof issue.params?.['position'] === 'number') return issue.params['position'];
  if (issue.code === 'too_big' && issue.origin === 'string') return Number(issue.maximum);
  return undefined;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problemOf(error: unknown, instance?: string): ProblemDetails {
  if (error instanceof ZodError) {
    return {
      type: 'https://clawfleet.dev/problems/validation',
      title: 'Invalid request',
      status: 400,
      detail: error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
      instance,
      errors: error.issues.map((i) => {
        const position = positionOf(i);
        return { path: i.path.join('.'), message: i.message, ...(position !== undefined && { position }) };
      }),
    };
  }
  if (error instanceof DomainError) {
    return { type: `https://clawfleet.dev/problems/${error.code}`, title: TITLES[error.status] ?? error.name, status: error.status, detail: error.message, instance };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const detail = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? error.message);
    return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail: Array.isArray(detail) ? detail.join('; ') : String(detail), instance };
  }
  // body-parser and other express middleware errors carry their status.
  const status = (error as { status?: number; statusCode?: number })?.status ?? (error as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail: (error as Error).message, instance };
  }
  return { type: 'about:blank', title: TITLES[500], status: HttpStatus.INTERNAL_SERVER_ERROR, detail: 'An unexpected error occurred.', instance };
}

/** Every error at an HTTP edge becomes `application/problem+json`; 5xx details never leak internals. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = problemOf(error, request?.originalUrl);
    if (problem.status >= 500) this.logger.error(error);
    if (response.headersSent) {
      response.end();
      return;
    }
    if (problem.status === 503 && error instanceof HttpException) {
      // Readiness answers keep their own body: probes and operators read the checks.
      response.status(503).json(error.getResponse());
      return;
    }
    if (error instanceof TooManyRequestsError) response.setHeader('retry-after', String(error.retryAfterSeconds));
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}
