import type { FastifyInstance } from 'fastify';
import type { WebContext } from '../context.ts';
import * as account from './account.ts';
import * as alerts from './alerts.ts';
import * as audit from './audit.ts';
import * as auth from './auth.ts';
import * as browse from './browse.ts';
import * as connect from './connect.ts';
import * as dashboard from './dashboard.ts';
import * as exports from './exports.ts';
import * as org from './org.ts';
import * as restore from './restore.ts';

/** Every route module; each registers its pages and its part of the JSON API (`/api/v1/…`). */
export const ROUTE_MODULES: readonly ((app: FastifyInstance, ctx: WebContext) => Promise<void>)[] = [
  auth.register,
  account.register,
  dashboard.register,
  connect.register,
  browse.register,
  exports.register,
  restore.register,
  alerts.register,
  audit.register,
  org.register,
];
