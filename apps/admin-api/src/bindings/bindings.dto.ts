import {
  AgentId,
  compilePattern,
  ENGAGE_MODES,
  IGNORED_POLICIES,
  MAX_PATTERN_CHARS,
  SENDER_SCOPES,
  SESSION_SCOPES,
  type BindingRecord,
} from '@clawfleet/provisioning';
import { z } from 'zod';
import { iso } from '../provisioning/params';

/** An RE2 pattern (linear time: no backreferences, no lookaround); one that does not compile is a 400 naming it. */
const Pattern = z
  .string()
  .min(1)
  .max(MAX_PATTERN_CHARS)
  .superRefine((pattern, ctx) => {
    try {
      compilePattern(pattern);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

const How = {
  engageMode: z.enum(ENGAGE_MODES),
  /** For engageMode "pattern", and only then: matched case-insensitively anywhere in the text. */
  pattern: Pattern.nullable().optional(),
  senderScope: z.enum(SENDER_SCOPES).optional(),
  ignoredPolicy: z.enum(IGNORED_POLICIES).optional(),
  sessionScope: z.enum(SESSION_SCOPES).optional(),
};

export const CreateBinding = z.strictObject({ groupId: z.uuid(), agentId: AgentId, ...How }).superRefine((b, ctx) => {
  if ((b.engageMode === 'pattern') !== (b.pattern != null))
    ctx.addIssue({
      code: 'custom',
      path: ['pattern'],
      message: 'a pattern is given exactly when engageMode is "pattern"',
    });
});

/** How the agent engages; its group and agent stay (bind another one instead). */
export const UpdateBinding = z.strictObject({ ...How, engageMode: How.engageMode.optional() });

export const BindingView = z.object({
  id: z.uuid(),
  groupId: z.uuid(),
  agentId: z.string(),
  engageMode: z.enum(ENGAGE_MODES),
  pattern: z.string().nullable(),
  senderScope: z.enum(SENDER_SCOPES),
  ignoredPolicy: z.enum(IGNORED_POLICIES),
  sessionScope: z.enum(SESSION_SCOPES),
  revision: z.number().int(),
  createdAt: z.iso.datetime(),
});

export const bindingView = (b: BindingRecord): z.infer<typeof BindingView> => ({
  id: b.id,
  groupId: b.groupId,
  agentId: b.agentId,
  engageMode: b.engageMode,
  pattern: b.pattern,
  senderScope: b.senderScope,
  ignoredPolicy: b.ignoredPolicy,
  sessionScope: b.sessionScope,
  revision: b.revision,
  createdAt: iso(b.createdAt),
});
