// Generated from docs/openapi.json by openapi-typescript: UPDATE_OPENAPI=1 npm test -- apps/platform-e2e/src/admin-api.e2e.spec.ts
export interface paths {
    "/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["MeController_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["TenantKeysController_list"];
        put?: never;
        post: operations["TenantKeysController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["TenantKeysController_get"];
        put?: never;
        post?: never;
        delete: operations["TenantKeysController_revoke"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/platform/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["PlatformKeysController_list"];
        put?: never;
        post: operations["PlatformKeysController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/platform/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["PlatformKeysController_revoke"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["HealthController_healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["HealthController_readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["TenantsController_list"];
        put?: never;
        post: operations["TenantsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["TenantsController_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch: operations["TenantsController_update"];
        trace?: never;
    };
    "/v1/tenants/{tenantId}/agents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AgentsController_list"];
        put?: never;
        post: operations["AgentsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/agents/{agentId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AgentsController_get"];
        put?: never;
        post?: never;
        delete: operations["AgentsController_remove"];
        options?: never;
        head?: never;
        patch: operations["AgentsController_update"];
        trace?: never;
    };
    "/v1/tenants/{tenantId}/agents/{agentId}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AgentsController_versions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/agents/{agentId}/versions/{version}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AgentsController_version"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/agents/{agentId}/relationships": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["AgentsController_relationships"];
        put?: never;
        post: operations["AgentsController_relate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/agents/{agentId}/relationships/{toAgentId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["AgentsController_unrelate"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/channels": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ChannelsController_list"];
        put?: never;
        post: operations["ChannelsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/channels/{channelId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ChannelsController_get"];
        put?: never;
        post?: never;
        delete: operations["ChannelsController_remove"];
        options?: never;
        head?: never;
        patch: operations["ChannelsController_update"];
        trace?: never;
    };
    "/v1/tenants/{tenantId}/channels/{channelId}/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["ChannelsController_setCredentials"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/groups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["GroupsController_list"];
        put?: never;
        post: operations["GroupsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/groups/{groupId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["GroupsController_get"];
        put?: never;
        post?: never;
        delete: operations["GroupsController_remove"];
        options?: never;
        head?: never;
        patch: operations["GroupsController_update"];
        trace?: never;
    };
    "/v1/tenants/{tenantId}/bindings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["BindingsController_list"];
        put?: never;
        post: operations["BindingsController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/bindings/{bindingId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["BindingsController_get"];
        put?: never;
        post?: never;
        delete: operations["BindingsController_remove"];
        options?: never;
        head?: never;
        patch: operations["BindingsController_update"];
        trace?: never;
    };
    "/v1/tenants/{tenantId}/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["UsersController_list"];
        put?: never;
        post: operations["UsersController_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/users/{userId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["UsersController_get"];
        put?: never;
        post?: never;
        delete: operations["UsersController_remove"];
        options?: never;
        head?: never;
        patch: operations["UsersController_update"];
        trace?: never;
    };
    "/v1/tenants/{tenantId}/users/{userId}/identities": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["UsersController_addIdentity"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/users/{userId}/identities/{channel}/{externalId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete: operations["UsersController_removeIdentity"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/users/{userId}/roles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put: operations["UsersController_grant"];
        post?: never;
        delete: operations["UsersController_revoke"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["SessionsController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/sessions/{sessionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["SessionsController_show"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/sessions/{sessionId}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["SessionsController_timeline"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/sessions/{sessionId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["SessionsController_cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/sessions/{sessionId}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["SessionsController_post"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/messages/{messageId}/outcome": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["MessagesController_outcome"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["UsageController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/parked-sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["ParkedController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/parked-sessions/{sessionId}/release": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["ParkedController_release"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/delivery-failures": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["DeliveryFailuresController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/platform/dead-letters": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["DeadLettersController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/platform/dead-letters/redrive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["DeadLettersController_redriveAll"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/platform/dead-letters/{seq}/redrive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["DeadLettersController_redriveOne"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/pairings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["PairingsController_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/pairings/{pairingId}/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["PairingsController_approve"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/tenants/{tenantId}/pairings/{pairingId}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post: operations["PairingsController_reject"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    MeController_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Who the presented key is */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        keyId: string;
                        prefix: string;
                        tenantId: string | null;
                        scope: string;
                        userId: string | null;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    TenantKeysController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the tenant's keys */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            prefix: string;
                            tenantId: string | null;
                            /** @enum {string} */
                            scope: "platform:admin" | "tenant:admin" | "tenant:read" | "channel:client";
                            userId: string | null;
                            name: string;
                            createdBy: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            expiresAt: string | null;
                            /** Format: date-time */
                            revokedAt: string | null;
                            /** Format: date-time */
                            lastUsedAt: string | null;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    TenantKeysController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    scope: "tenant:admin" | "tenant:read";
                    name: string;
                    /** Format: date-time */
                    expiresAt?: string;
                } | {
                    /** @enum {string} */
                    scope: "channel:client";
                    name: string;
                    /** Format: date-time */
                    expiresAt?: string;
                    userId: string;
                };
            };
        };
        responses: {
            /** @description The new key, shown once */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        prefix: string;
                        tenantId: string | null;
                        /** @enum {string} */
                        scope: "platform:admin" | "tenant:admin" | "tenant:read" | "channel:client";
                        userId: string | null;
                        name: string;
                        createdBy: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        expiresAt: string | null;
                        /** Format: date-time */
                        revokedAt: string | null;
                        /** Format: date-time */
                        lastUsedAt: string | null;
                        key: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    TenantKeysController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                keyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One key (never the key itself) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        prefix: string;
                        tenantId: string | null;
                        /** @enum {string} */
                        scope: "platform:admin" | "tenant:admin" | "tenant:read" | "channel:client";
                        userId: string | null;
                        name: string;
                        createdBy: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        expiresAt: string | null;
                        /** Format: date-time */
                        revokedAt: string | null;
                        /** Format: date-time */
                        lastUsedAt: string | null;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    TenantKeysController_revoke: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                keyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The key, revoked (again: unchanged) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        prefix: string;
                        tenantId: string | null;
                        /** @enum {string} */
                        scope: "platform:admin" | "tenant:admin" | "tenant:read" | "channel:client";
                        userId: string | null;
                        name: string;
                        createdBy: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        expiresAt: string | null;
                        /** Format: date-time */
                        revokedAt: string | null;
                        /** Format: date-time */
                        lastUsedAt: string | null;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    PlatformKeysController_list: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the platform's keys */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            prefix: string;
                            tenantId: string | null;
                            /** @enum {string} */
                            scope: "platform:admin" | "tenant:admin" | "tenant:read" | "channel:client";
                            userId: string | null;
                            name: string;
                            createdBy: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            expiresAt: string | null;
                            /** Format: date-time */
                            revokedAt: string | null;
                            /** Format: date-time */
                            lastUsedAt: string | null;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    PlatformKeysController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** Format: date-time */
                    expiresAt?: string;
                };
            };
        };
        responses: {
            /** @description The new key, shown once */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        prefix: string;
                        tenantId: string | null;
                        /** @enum {string} */
                        scope: "platform:admin" | "tenant:admin" | "tenant:read" | "channel:client";
                        userId: string | null;
                        name: string;
                        createdBy: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        expiresAt: string | null;
                        /** Format: date-time */
                        revokedAt: string | null;
                        /** Format: date-time */
                        lastUsedAt: string | null;
                        key: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    PlatformKeysController_revoke: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                keyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The key, revoked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        prefix: string;
                        tenantId: string | null;
                        /** @enum {string} */
                        scope: "platform:admin" | "tenant:admin" | "tenant:read" | "channel:client";
                        userId: string | null;
                        name: string;
                        createdBy: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        expiresAt: string | null;
                        /** Format: date-time */
                        revokedAt: string | null;
                        /** Format: date-time */
                        lastUsedAt: string | null;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    HealthController_healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    HealthController_readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    TenantsController_list: {
        parameters: {
            query?: {
                limit?: number;
                /** @description nextCursor of the page before */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tenants, by id */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            id: string;
                            name: string;
                            defaultAgentId: string | null;
                            enabled: boolean;
                            revision: number;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    TenantsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    id: string;
                    name?: string;
                };
            };
        };
        responses: {
            /** @description The new tenant */
            201: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        name: string;
                        defaultAgentId: string | null;
                        enabled: boolean;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    TenantsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tenant */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        name: string;
                        defaultAgentId: string | null;
                        enabled: boolean;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    TenantsController_update: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the resource as it was read; without it, the change applies to whatever is current */
                "If-Match"?: string;
            };
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    defaultAgentId?: string | null;
                    enabled?: boolean;
                };
            };
        };
        responses: {
            /** @description The tenant, changed. `enabled` is for platform admins only. */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        name: string;
                        defaultAgentId: string | null;
                        enabled: boolean;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AgentsController_list: {
        parameters: {
            query?: {
                limit?: number;
                /** @description nextCursor of the page before */
                cursor?: string;
            };
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the tenant's agents, by id */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            id: string;
                            name: string;
                            enabled: boolean;
                            version: number;
                            revision: number;
                            config: {
                                instructions: string;
                                models: {
                                    /** @enum {string} */
                                    provider: "openai" | "openai-responses" | "anthropic";
                                    model: string;
                                }[];
                                allowedModels: string[];
                                toolsAllowed: string[] | null;
                                /** @enum {string} */
                                queueMode: "followup" | "collect" | "steer" | "interrupt";
                                maxRounds: number;
                                tokenBudgetPerMonth: number;
                            };
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AgentsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    id: string;
                    name?: string;
                    /** @default true */
                    enabled?: boolean;
                    config: {
                        instructions: string;
                        /** @default [] */
                        models?: {
                            /** @enum {string} */
                            provider: "openai" | "openai-responses" | "anthropic";
                            model: string;
                        }[];
                        /** @default [] */
                        allowedModels?: string[];
                        /** @default null */
                        toolsAllowed?: string[] | null;
                        sandbox?: {
                            memoryMb?: number;
                            cpus?: number;
                            pidsLimit?: number;
                            bashTimeoutMs?: number;
                            maxOutputBytes?: number;
                            egress?: {
                                allow: string[];
                            } | null;
                            /** @default null */
                            runtime?: string | null;
                        };
                        /**
                         * @default followup
                         * @enum {string}
                         */
                        queueMode?: "followup" | "collect" | "steer" | "interrupt";
                        /** @default 16 */
                        maxRounds?: number;
                        /** @default 0 */
                        tokenBudgetPerMonth?: number;
                        /** @default [] */
                        mcpServers?: {
                            name: string;
                            /**
                             * @default streamable-http
                             * @enum {string}
                             */
                            transport?: "streamable-http" | "sse";
                            /** Format: uri */
                            url: string;
                            /** @default null */
                            toolsAllowed?: string[] | null;
                        }[];
                        /** @default [] */
                        skills?: {
                            name: string;
                            description: string;
                            instructions: string;
                        }[];
                    };
                };
            };
        };
        responses: {
            /** @description The new agent, at version 1 */
            201: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        name: string;
                        enabled: boolean;
                        version: number;
                        revision: number;
                        config: {
                            instructions: string;
                            models: {
                                /** @enum {string} */
                                provider: "openai" | "openai-responses" | "anthropic";
                                model: string;
                            }[];
                            allowedModels: string[];
                            toolsAllowed: string[] | null;
                            /** @enum {string} */
                            queueMode: "followup" | "collect" | "steer" | "interrupt";
                            maxRounds: number;
                            tokenBudgetPerMonth: number;
                        };
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AgentsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                agentId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The agent at its current version */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        name: string;
                        enabled: boolean;
                        version: number;
                        revision: number;
                        config: {
                            instructions: string;
                            models: {
                                /** @enum {string} */
                                provider: "openai" | "openai-responses" | "anthropic";
                                model: string;
                            }[];
                            allowedModels: string[];
                            toolsAllowed: string[] | null;
                            /** @enum {string} */
                            queueMode: "followup" | "collect" | "steer" | "interrupt";
                            maxRounds: number;
                            tokenBudgetPerMonth: number;
                        };
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AgentsController_remove: {
        parameters: {
            query?: never;
            header: {
                /** @description The ETag of the resource as it was read; required */
                "If-Match": string;
            };
            path: {
                tenantId: string;
                agentId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The agent, deleted with its versions, bindings and relationships (to disable it, PATCH enabled: false) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        name: string;
                        enabled: boolean;
                        version: number;
                        revision: number;
                        config: {
                            instructions: string;
                            models: {
                                /** @enum {string} */
                                provider: "openai" | "openai-responses" | "anthropic";
                                model: string;
                            }[];
                            allowedModels: string[];
                            toolsAllowed: string[] | null;
                            /** @enum {string} */
                            queueMode: "followup" | "collect" | "steer" | "interrupt";
                            maxRounds: number;
                            tokenBudgetPerMonth: number;
                        };
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No If-Match */
            428: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AgentsController_update: {
        parameters: {
            query?: never;
            header: {
                /** @description The ETag of the resource as it was read; required */
                "If-Match": string;
            };
            path: {
                tenantId: string;
                agentId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    enabled?: boolean;
                    config?: {
                        instructions?: string;
                        models?: {
                            /** @enum {string} */
                            provider: "openai" | "openai-responses" | "anthropic";
                            model: string;
                        }[];
                        allowedModels?: string[];
                        toolsAllowed?: string[] | null;
                        sandbox?: {
                            memoryMb?: number;
                            cpus?: number;
                            pidsLimit?: number;
                            bashTimeoutMs?: number;
                            maxOutputBytes?: number;
                            egress?: {
                                allow: string[];
                            } | null;
                            /** @default null */
                            runtime?: string | null;
                        };
                        /** @enum {string} */
                        queueMode?: "followup" | "collect" | "steer" | "interrupt";
                        maxRounds?: number;
                        tokenBudgetPerMonth?: number;
                        mcpServers?: {
                            name: string;
                            /**
                             * @default streamable-http
                             * @enum {string}
                             */
                            transport?: "streamable-http" | "sse";
                            /** Format: uri */
                            url: string;
                            /** @default null */
                            toolsAllowed?: string[] | null;
                        }[];
                        skills?: {
                            name: string;
                            description: string;
                            instructions: string;
                        }[];
                    };
                };
            };
        };
        responses: {
            /** @description The agent, changed: a new config is a new version (the fields given replace those of the current one) */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        name: string;
                        enabled: boolean;
                        version: number;
                        revision: number;
                        config: {
                            instructions: string;
                            models: {
                                /** @enum {string} */
                                provider: "openai" | "openai-responses" | "anthropic";
                                model: string;
                            }[];
                            allowedModels: string[];
                            toolsAllowed: string[] | null;
                            /** @enum {string} */
                            queueMode: "followup" | "collect" | "steer" | "interrupt";
                            maxRounds: number;
                            tokenBudgetPerMonth: number;
                        };
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No If-Match */
            428: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AgentsController_versions: {
        parameters: {
            query?: {
                limit?: number;
                /** @description nextCursor of the page before */
                cursor?: string;
            };
            header?: never;
            path: {
                tenantId: string;
                agentId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the agent's versions, oldest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            agentId: string;
                            version: number;
                            config: {
                                instructions: string;
                                models: {
                                    /** @enum {string} */
                                    provider: "openai" | "openai-responses" | "anthropic";
                                    model: string;
                                }[];
                                allowedModels: string[];
                                toolsAllowed: string[] | null;
                                /** @enum {string} */
                                queueMode: "followup" | "collect" | "steer" | "interrupt";
                                maxRounds: number;
                                tokenBudgetPerMonth: number;
                            };
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AgentsController_version: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                agentId: string;
                version: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One version of the agent (versions never change) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        agentId: string;
                        version: number;
                        config: {
                            instructions: string;
                            models: {
                                /** @enum {string} */
                                provider: "openai" | "openai-responses" | "anthropic";
                                model: string;
                            }[];
                            allowedModels: string[];
                            toolsAllowed: string[] | null;
                            /** @enum {string} */
                            queueMode: "followup" | "collect" | "steer" | "interrupt";
                            maxRounds: number;
                            tokenBudgetPerMonth: number;
                        };
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AgentsController_relationships: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                agentId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The agent's relationships to other agents */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            fromAgentId: string;
                            toAgentId: string;
                            kind: string;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AgentsController_relate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                agentId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    toAgentId: string;
                    /**
                     * @default may-message
                     * @enum {string}
                     */
                    kind?: "may-message";
                };
            };
        };
        responses: {
            /** @description The new relationship */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        fromAgentId: string;
                        toAgentId: string;
                        kind: string;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    AgentsController_unrelate: {
        parameters: {
            query?: {
                kind?: "may-message";
            };
            header?: never;
            path: {
                tenantId: string;
                agentId: string;
                toAgentId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The relationship, removed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        fromAgentId: string;
                        toAgentId: string;
                        kind: string;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ChannelsController_list: {
        parameters: {
            query?: {
                limit?: number;
                /** @description nextCursor of the page before */
                cursor?: string;
            };
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the tenant's channels */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            kind: string;
                            name: string;
                            hasCredentials: boolean;
                            /** Format: date-time */
                            credentialsSetAt: string | null;
                            credentialsKeyId: string | null;
                            revision: number;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ChannelsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    kind: "http" | "cli" | "telegram" | "slack" | "openai";
                    name?: string;
                    credentials?: string;
                };
            };
        };
        responses: {
            /** @description The new channel; its credentials are stored sealed and never shown */
            201: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        kind: string;
                        name: string;
                        hasCredentials: boolean;
                        /** Format: date-time */
                        credentialsSetAt: string | null;
                        credentialsKeyId: string | null;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ChannelsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                channelId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The channel (never its credentials) */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        kind: string;
                        name: string;
                        hasCredentials: boolean;
                        /** Format: date-time */
                        credentialsSetAt: string | null;
                        credentialsKeyId: string | null;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ChannelsController_remove: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the resource as it was read; without it, the change applies to whatever is current */
                "If-Match"?: string;
            };
            path: {
                tenantId: string;
                channelId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The channel, deleted with its credentials and groups */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        kind: string;
                        name: string;
                        hasCredentials: boolean;
                        /** Format: date-time */
                        credentialsSetAt: string | null;
                        credentialsKeyId: string | null;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ChannelsController_update: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the resource as it was read; without it, the change applies to whatever is current */
                "If-Match"?: string;
            };
            path: {
                tenantId: string;
                channelId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                };
            };
        };
        responses: {
            /** @description The channel, renamed */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        kind: string;
                        name: string;
                        hasCredentials: boolean;
                        /** Format: date-time */
                        credentialsSetAt: string | null;
                        credentialsKeyId: string | null;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ChannelsController_setCredentials: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the resource as it was read; without it, the change applies to whatever is current */
                "If-Match"?: string;
            };
            path: {
                tenantId: string;
                channelId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    credentials: string;
                };
            };
        };
        responses: {
            /** @description The channel with new credentials (a rotated token), sealed under the current key */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        kind: string;
                        name: string;
                        hasCredentials: boolean;
                        /** Format: date-time */
                        credentialsSetAt: string | null;
                        credentialsKeyId: string | null;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    GroupsController_list: {
        parameters: {
            query?: {
                limit?: number;
                /** @description nextCursor of the page before */
                cursor?: string;
            };
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the tenant's messaging groups */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            channel: string;
                            chatId: string;
                            threadId: string | null;
                            name: string;
                            /** Format: uuid */
                            channelId: string | null;
                            revision: number;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    GroupsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    channel: "http" | "cli" | "telegram" | "slack" | "openai";
                    chatId: string;
                    threadId?: string | null;
                    name?: string;
                    /** Format: uuid */
                    channelId?: string | null;
                };
            };
        };
        responses: {
            /** @description The new messaging group */
            201: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        channel: string;
                        chatId: string;
                        threadId: string | null;
                        name: string;
                        /** Format: uuid */
                        channelId: string | null;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    GroupsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                groupId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The messaging group */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        channel: string;
                        chatId: string;
                        threadId: string | null;
                        name: string;
                        /** Format: uuid */
                        channelId: string | null;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    GroupsController_remove: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the resource as it was read; without it, the change applies to whatever is current */
                "If-Match"?: string;
            };
            path: {
                tenantId: string;
                groupId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The group, deleted with its bindings */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        channel: string;
                        chatId: string;
                        threadId: string | null;
                        name: string;
                        /** Format: uuid */
                        channelId: string | null;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    GroupsController_update: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the resource as it was read; without it, the change applies to whatever is current */
                "If-Match"?: string;
            };
            path: {
                tenantId: string;
                groupId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                };
            };
        };
        responses: {
            /** @description The group, renamed */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        channel: string;
                        chatId: string;
                        threadId: string | null;
                        name: string;
                        /** Format: uuid */
                        channelId: string | null;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    BindingsController_list: {
        parameters: {
            query?: {
                /** @description Only this group's */
                groupId?: string;
                limit?: number;
                /** @description nextCursor of the page before */
                cursor?: string;
            };
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the tenant's bindings */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            /** Format: uuid */
                            groupId: string;
                            agentId: string;
                            /** @enum {string} */
                            engageMode: "always" | "pattern" | "mention" | "mention-sticky";
                            pattern: string | null;
                            /** @enum {string} */
                            senderScope: "all" | "known";
                            /** @enum {string} */
                            ignoredPolicy: "drop" | "accumulate";
                            /** @enum {string} */
                            sessionScope: "shared" | "per-thread" | "per-user";
                            revision: number;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    BindingsController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: uuid */
                    groupId: string;
                    agentId: string;
                    /** @enum {string} */
                    engageMode: "always" | "pattern" | "mention" | "mention-sticky";
                    pattern?: string | null;
                    /** @enum {string} */
                    senderScope?: "all" | "known";
                    /** @enum {string} */
                    ignoredPolicy?: "drop" | "accumulate";
                    /** @enum {string} */
                    sessionScope?: "shared" | "per-thread" | "per-user";
                };
            };
        };
        responses: {
            /** @description The new binding */
            201: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** Format: uuid */
                        groupId: string;
                        agentId: string;
                        /** @enum {string} */
                        engageMode: "always" | "pattern" | "mention" | "mention-sticky";
                        pattern: string | null;
                        /** @enum {string} */
                        senderScope: "all" | "known";
                        /** @enum {string} */
                        ignoredPolicy: "drop" | "accumulate";
                        /** @enum {string} */
                        sessionScope: "shared" | "per-thread" | "per-user";
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    BindingsController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                bindingId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The binding */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** Format: uuid */
                        groupId: string;
                        agentId: string;
                        /** @enum {string} */
                        engageMode: "always" | "pattern" | "mention" | "mention-sticky";
                        pattern: string | null;
                        /** @enum {string} */
                        senderScope: "all" | "known";
                        /** @enum {string} */
                        ignoredPolicy: "drop" | "accumulate";
                        /** @enum {string} */
                        sessionScope: "shared" | "per-thread" | "per-user";
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    BindingsController_remove: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the resource as it was read; without it, the change applies to whatever is current */
                "If-Match"?: string;
            };
            path: {
                tenantId: string;
                bindingId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The binding, removed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** Format: uuid */
                        groupId: string;
                        agentId: string;
                        /** @enum {string} */
                        engageMode: "always" | "pattern" | "mention" | "mention-sticky";
                        pattern: string | null;
                        /** @enum {string} */
                        senderScope: "all" | "known";
                        /** @enum {string} */
                        ignoredPolicy: "drop" | "accumulate";
                        /** @enum {string} */
                        sessionScope: "shared" | "per-thread" | "per-user";
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    BindingsController_update: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the resource as it was read; without it, the change applies to whatever is current */
                "If-Match"?: string;
            };
            path: {
                tenantId: string;
                bindingId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    engageMode?: "always" | "pattern" | "mention" | "mention-sticky";
                    pattern?: string | null;
                    /** @enum {string} */
                    senderScope?: "all" | "known";
                    /** @enum {string} */
                    ignoredPolicy?: "drop" | "accumulate";
                    /** @enum {string} */
                    sessionScope?: "shared" | "per-thread" | "per-user";
                };
            };
        };
        responses: {
            /** @description The binding, changed */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        /** Format: uuid */
                        groupId: string;
                        agentId: string;
                        /** @enum {string} */
                        engageMode: "always" | "pattern" | "mention" | "mention-sticky";
                        pattern: string | null;
                        /** @enum {string} */
                        senderScope: "all" | "known";
                        /** @enum {string} */
                        ignoredPolicy: "drop" | "accumulate";
                        /** @enum {string} */
                        sessionScope: "shared" | "per-thread" | "per-user";
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    UsersController_list: {
        parameters: {
            query?: {
                limit?: number;
                /** @description nextCursor of the page before */
                cursor?: string;
            };
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the tenant's users */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            displayName: string;
                            revision: number;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    UsersController_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    displayName?: string;
                };
            };
        };
        responses: {
            /** @description The new user */
            201: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        displayName: string;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    UsersController_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user with their identities and roles */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        displayName: string;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                        identities: {
                            channel: string;
                            externalId: string;
                            /** Format: uuid */
                            userId: string;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                        roles: {
                            /** Format: uuid */
                            userId: string;
                            /** @enum {string} */
                            role: "owner" | "admin" | "member";
                            agentId: string | null;
                            /** Format: date-time */
                            createdAt: string;
                        }[];
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    UsersController_remove: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the resource as it was read; without it, the change applies to whatever is current */
                "If-Match"?: string;
            };
            path: {
                tenantId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The user, deleted with their identities and roles */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        displayName: string;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    UsersController_update: {
        parameters: {
            query?: never;
            header?: {
                /** @description The ETag of the resource as it was read; without it, the change applies to whatever is current */
                "If-Match"?: string;
            };
            path: {
                tenantId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    displayName?: string;
                };
            };
        };
        responses: {
            /** @description The user, changed */
            200: {
                headers: {
                    /** @description The revision of the resource, for If-Match */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        displayName: string;
                        revision: number;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The resource changed since that ETag: read it again */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    UsersController_addIdentity: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    channel: "http" | "cli" | "telegram" | "slack" | "openai";
                    externalId: string;
                };
            };
        };
        responses: {
            /** @description The sender id on a channel is now this user */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        channel: string;
                        externalId: string;
                        /** Format: uuid */
                        userId: string;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    UsersController_removeIdentity: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                userId: string;
                channel: string;
                externalId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The identity, removed */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        channel: string;
                        externalId: string;
                        /** Format: uuid */
                        userId: string;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    UsersController_grant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    role: "owner" | "admin" | "member";
                    agentId?: string | null;
                };
            };
        };
        responses: {
            /** @description The role, granted (replacing the one held there) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        userId: string;
                        /** @enum {string} */
                        role: "owner" | "admin" | "member";
                        agentId: string | null;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    UsersController_revoke: {
        parameters: {
            query?: {
                /** @description The agent's role; absent: the tenant-wide one */
                agentId?: string;
            };
            header?: never;
            path: {
                tenantId: string;
                userId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The role, revoked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        userId: string;
                        /** @enum {string} */
                        role: "owner" | "admin" | "member";
                        agentId: string | null;
                        /** Format: date-time */
                        createdAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    SessionsController_list: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                agentId?: string;
                status?: "idle" | "queued" | "running" | "suspended";
                channel?: "http" | "cli" | "telegram" | "slack" | "openai";
                chatId?: string;
                threadId?: string;
                updatedSince?: string;
                updatedBefore?: string;
            };
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the tenant’s sessions, most recently updated first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            agentId: string;
                            agentVersion: number | null;
                            chat: {
                                /** @enum {string} */
                                channel: "http" | "cli" | "telegram" | "slack" | "openai";
                                chatId: string;
                                threadId?: string;
                            };
                            /** @enum {string} */
                            status: "idle" | "queued" | "running" | "suspended";
                            /** Format: uuid */
                            turnId: string | null;
                            queued: number;
                            lastSeq: number;
                            turns: number;
                            usage: {
                                inputTokens: number;
                                outputTokens: number;
                            };
                            version: number;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    SessionsController_show: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                sessionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The session’s state, and its circuit when parked */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        agentId: string;
                        agentVersion: number | null;
                        chat: {
                            /** @enum {string} */
                            channel: "http" | "cli" | "telegram" | "slack" | "openai";
                            chatId: string;
                            threadId?: string;
                        };
                        /** @enum {string} */
                        status: "idle" | "queued" | "running" | "suspended";
                        /** Format: uuid */
                        turnId: string | null;
                        queued: number;
                        lastSeq: number;
                        turns: number;
                        usage: {
                            inputTokens: number;
                            outputTokens: number;
                        };
                        version: number;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        parked: {
                            failures: number;
                            lastError: string | null;
                            /** Format: date-time */
                            parkedAt: string;
                        } | null;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    SessionsController_timeline: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path: {
                tenantId: string;
                sessionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the session’s recorded events, oldest first: facts as stored, their text as data */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            version: number;
                            type: string;
                            /** Format: date-time */
                            recordedAt: string;
                            data: {
                                [key: string]: unknown;
                            };
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    SessionsController_cancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                sessionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description `/stop` for the running turn, sent through the router; 409 when no turn runs */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        sessionId: string;
                        messageId: string;
                        outcome: string;
                        accepted: boolean;
                        /** Format: uuid */
                        turnId: string | null;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    SessionsController_post: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                sessionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    text: string;
                    messageId?: string;
                };
            };
        };
        responses: {
            /** @description An operator’s message into the session, routed and answered like a chat message */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        sessionId: string;
                        messageId: string;
                        outcome: string;
                        accepted: boolean;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    MessagesController_outcome: {
        parameters: {
            query: {
                channel: "http" | "cli" | "telegram" | "slack" | "openai";
                chatId: string;
                threadId?: string;
            };
            header?: never;
            path: {
                tenantId: string;
                messageId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What the router decided for the message, and why */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        messageKey: string;
                        /** @enum {string} */
                        outcome: "engaged" | "ignored" | "refused" | "failed";
                        decisions: {
                            /** @enum {string} */
                            kind: "engage" | "ignore" | "refuse" | "fail";
                            agentId?: string;
                            turnId?: string;
                            sessionId?: string;
                            rule?: string;
                            reason?: string;
                        }[];
                        /** Format: date-time */
                        recordedAt: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    UsageController_list: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                from?: string;
                to?: string;
                agentId?: string;
            };
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Tokens, model calls and turns per agent and day, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: date */
                        from: string;
                        /** Format: date */
                        to: string;
                        totals: {
                            inputTokens: number;
                            outputTokens: number;
                            modelCalls: number;
                            turns: number;
                        };
                        items: {
                            inputTokens: number;
                            outputTokens: number;
                            modelCalls: number;
                            turns: number;
                            /** Format: date */
                            day: string;
                            agentId: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ParkedController_list: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Sessions no runner takes after too many failed runs in a row, longest parked first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            sessionId: string;
                            failures: number;
                            lastError: string | null;
                            /** Format: date-time */
                            parkedAt: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    ParkedController_release: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                sessionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The session, released: the next sweep resumes it */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        sessionId: string;
                        parked: boolean;
                        released: boolean;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    DeliveryFailuresController_list: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                sessionId?: string;
            };
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Failed deliveries, newest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            outboundId: string;
                            /** Format: uuid */
                            sessionId: string;
                            seq: number;
                            /** @enum {string} */
                            channel: "http" | "cli" | "telegram" | "slack" | "openai";
                            chatId: string;
                            error: string;
                            /** Format: date-time */
                            failedAt: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    DeadLettersController_list: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
                subject?: string;
                since?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Dead letters, oldest first: where each was going, why it was given up, its payload */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            seq: number;
                            subject: string;
                            reason: string;
                            consumer: string;
                            deliveries: number;
                            /** Format: date-time */
                            deadAt: string;
                            tenantId: string | null;
                            payload: unknown;
                            payloadBase64: string;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    DeadLettersController_redriveAll: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    subject: string;
                    /** Format: date-time */
                    since?: string;
                };
            };
        };
        responses: {
            /** @description Publishes the matching dead letters again (up to 1000 a call) and removes them */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        redriven: number[];
                        count: number;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    DeadLettersController_redriveOne: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                seq: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Publishes the dead letter again to its subject */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        seq: number;
                        redriven: boolean;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    PairingsController_list: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the tenant's pairings, oldest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            /** Format: uuid */
                            id: string;
                            tenantId: string;
                            channel: string;
                            senderId: string;
                            displayName: string;
                            chatId: string;
                            threadId: string | null;
                            /** @enum {string} */
                            status: "pending" | "approved" | "rejected";
                            expired: boolean;
                            /** Format: date-time */
                            offeredAt: string;
                            /** Format: date-time */
                            expiresAt: string;
                            /** Format: date-time */
                            decidedAt: string | null;
                            decidedBy: string | null;
                            /** Format: uuid */
                            userId: string | null;
                        }[];
                        nextCursor?: string;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    PairingsController_approve: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                pairingId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The pairing, approved (again: unchanged): the sender is a member now */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        tenantId: string;
                        channel: string;
                        senderId: string;
                        displayName: string;
                        chatId: string;
                        threadId: string | null;
                        /** @enum {string} */
                        status: "pending" | "approved" | "rejected";
                        expired: boolean;
                        /** Format: date-time */
                        offeredAt: string;
                        /** Format: date-time */
                        expiresAt: string;
                        /** Format: date-time */
                        decidedAt: string | null;
                        decidedBy: string | null;
                        /** Format: uuid */
                        userId: string | null;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
    PairingsController_reject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                tenantId: string;
                pairingId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The pairing, rejected (again: unchanged) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** Format: uuid */
                        id: string;
                        tenantId: string;
                        channel: string;
                        senderId: string;
                        displayName: string;
                        chatId: string;
                        threadId: string | null;
                        /** @enum {string} */
                        status: "pending" | "approved" | "rejected";
                        expired: boolean;
                        /** Format: date-time */
                        offeredAt: string;
                        /** Format: date-time */
                        expiresAt: string;
                        /** Format: date-time */
                        decidedAt: string | null;
                        decidedBy: string | null;
                        /** Format: uuid */
                        userId: string | null;
                    };
                };
            };
            /** @description No API key, or one that is not valid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
}
