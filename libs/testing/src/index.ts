export * from './infra';
export type { RecordedRequest } from './fake-llm/dialect';
export type {
  ScriptedDisconnect,
  ScriptedError,
  ScriptedHang,
  ScriptedReply,
  ScriptedResponse,
  ScriptedToolCall,
} from './fake-llm/script';
export type { DefaultReply, FakeLlm, FakeLlmOptions, RequestFilter } from './fake-llm/api';
export { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from './fake-openai';
export { startFakeAnthropic, type FakeAnthropic, type FakeAnthropicOptions } from './fake-anthropic';
export {
  APP_NAMES,
  launchPlatform,
  type AppExit,
  type AppInstance,
  type AppName,
  type LaunchOptions,
  type Platform,
} from './launcher';
export { findRepoRoot, freePort } from './launcher/support';
export { openChat, type ChatClient, type OpenChatOptions, type Reply, type SendResult } from './chat-client';
export * from './chaos';
export { undocumentedKeys } from './env-example';
export { startNetnsHttpServer, type NetnsHttpServer } from './netns-server';
export { probeConnections, type ConnectionProbe } from './connection-probe';
export { startDockerProxy, type DockerProxy, type Hold, type ProxiedConnection } from './docker-proxy';
