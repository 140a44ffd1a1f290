import { PreconditionRequiredError, ValidationError } from '@clawfleet/platform';
import type { Expect } from '@clawfleet/provisioning';
import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { Response } from 'express';

/*
 * Concurrent edits: every editable resource has a revision, which each change increments. Reads answer
 * it as the strong `ETag: "<revision>"`; a change sends it back as `If-Match`, and is refused with 412
 * when the resource changed since (nothing is stored). Agents require it (428 without), since two
 * admins editing one agent would otherwise silently make versions of each other's half-edits.
 */

export const etagOf = (revision: number) => `"${revision}"`;

export function withEtag<T extends { revision: number }>(res: Response, view: T): T {
  res.setHeader('ETag', etagOf(view.revision));
  return view;
}

/** The revision an `If-Match` names; `*` (or none, where it is optional) means whatever is current. */
export function expectedRevision(header: string | undefined, options: { required: boolean; what: string }): Expect {
  const value = header?.trim();
  if (!value) {
    if (options.required)
      throw new PreconditionRequiredError(
        `Changing ${options.what} needs If-Match with the ETag it was read with (GET it first).`,
      );
    return {};
  }
  if (value === '*') return {};
  const match = /^(?:W\/)?"(\d{1,9})"$/.exec(value);
  if (!match) throw new ValidationError('If-Match must be one ETag as this API gives them out, e.g. "3"');
  return { revision: Number(match[1]) };
}

/** Documents the `If-Match` header of a change and its 412 (and 428 when required). */
export function Conditional(required: boolean) {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required,
      description: required
        ? 'The ETag of the resource as it was read; required'
        : 'The ETag of the resource as it was read; without it, the change applies to whatever is current',
      schema: { type: 'string' },
    }),
    ApiResponse({ status: 412, description: 'The resource changed since that ETag: read it again' }),
    ...(required ? [ApiResponse({ status: 428, description: 'No If-Match' })] : []),
  );
}

/** Documents the `ETag` header of a response. */
export const ETAG_HEADER = {
  ETag: { description: 'The revision of the resource, for If-Match', schema: { type: 'string' as const } },
};
