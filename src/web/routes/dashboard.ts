import type { FastifyInstance } from 'fastify';
import type { WebContext } from '../context.ts';

export async function register(_app: FastifyInstance, _ctx: WebContext): Promise<void> {}
