import { permissionsOf } from '../../domain/auth.js';
import type { QueryResolvers, Role, ViewerResolvers } from '../../generated/graphql.js';

export const Query: Pick<QueryResolvers, 'me'> = {
  me: (_, __, ctx) => ctx.services.me(ctx.viewer),
};

export const Viewer: ViewerResolvers = {
  roles: (v) => v.roles.map((r) => r.toUpperCase() as Role),
  permissions: (v) => permissionsOf(v.roles),
};
