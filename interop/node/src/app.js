// The Todo AI Chatbot API on express 4: tasks, chat, conversations and MCP (JSON-RPC), all behind
// `Authorization: Bearer <jwt>` except GET /health. Express keeps its own defaults for what it
// handles itself (HTML 400 for unparseable JSON, 413 over the body limit, 404 for unknown routes).
import express from 'express';
import { MAX_DESCRIPTION_CHARS, MAX_ID, TOOL_NAMES, callTool, definitions, respond, toolError, validateTitle } from './agent.js';
import { openStore } from './store.js';
import { makeVerifier } from './verifiers.js';

const PROTOCOL_VERSIONS = ['2025-06-18', '2025-03-26', '2024-11-05'];
const MAX_MESSAGE_CHARS = 4000;
const REALM = 'Bearer realm="todo"';
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const chars = (s) => [...s].length;

// A path id: a plain decimal integer in 1..2^53-1, else null (answered 404 like any unknown id).
function parseId(raw) {
  if (!/^[0-9]{1,16}$/.test(raw)) return null;
  const id = Number(raw);
  return id >= 1 && id <= MAX_ID ? id : null;
}

export function createApp(config) {
  const store = openStore(config.dbPath);
  const verify = makeVerifier(config);
  const app = express();
  // Express shows stack traces in its default error pages unless told it runs in production.
  app.set('env', process.env.NODE_ENV || 'production');
  app.locals.store = store;
  app.use(express.json({ limit: '64kb' }));

  const unauthorized = (res, invalid) =>
    res
      .status(401)
      .set('WWW-Authenticate', invalid ? `${REALM}, error="invalid_token"` : REALM)
      .json({ error: invalid ? 'invalid_token' : 'unauthorized' });

  // Bearer authentication: req.sub is the token's subject.
  async function authenticate(req, res, next) {
    const values = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i].toLowerCase() === 'authorization') values.push(req.rawHeaders[i + 1]);
    }
    // Node keeps only the first Authorization line in req.headers; RFC 6750 §3.1 makes a token sent
    // several ways (two headers, or a header and ?access_token=) an invalid_request.
    if (values.length > 1 || (values.length === 1 && req.query.access_token !== undefined)) {
      return res
        .status(400)
        .set('WWW-Authenticate', `${REALM}, error="invalid_request"`)
        .json({ error: 'invalid_request' });
    }
    const header = (values[0] ?? '').trim();
    const space = header.indexOf(' ');
    const scheme = space < 0 ? header : header.slice(0, space);
    const token = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme.toLowerCase() !== 'bearer' || token === '') return unauthorized(res, false);
    // RFC 6750 §2.1 b64token: no whitespace or other characters a library might silently skip.
    if (!B64TOKEN.test(token)) return unauthorized(res, true);
    let claims;
    try {
      claims = await verify(token);
    } catch {
      claims = null;
    }
    if (!isObject(claims) || typeof claims.sub !== 'string' || claims.sub === '') return unauthorized(res, true);
    req.sub = claims.sub;
    return next();
  }

  // The owner whose data a /api/:userId/... request touches: the token's user, who must be the path's.
  function pathOwner(req, res, next) {
    if (config.flaw === 'path-user-not-checked') {
      req.owner = req.params.userId; // FLAW: the path user is trusted
      return next();
    }
    if (req.params.userId !== req.sub) {
      return res.status(403).json({ error: 'forbidden', message: "you may only access your own resources" });
    }
    req.owner = req.sub;
    return next();
  }

  const notFound = (res) => res.status(404).json({ error: 'not_found' });
  const invalid = (res, message) => res.status(400).json({ error: 'validation_error', message });
  const user = [authenticate, pathOwner];

  // Body checks; each returns an error message or null.
  function checkTitle(value, required) {
    if (value === undefined && !required) return null;
    if (typeof value !== 'string') return 'title must be a string';
    try {
      validateTitle(value);
      return null;
    } catch (err) {
      return err.message;
    }
  }
  function checkDescription(value) {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') return 'description must be a string or null';
    return chars(value) > MAX_DESCRIPTION_CHARS ? `description must be at most ${MAX_DESCRIPTION_CHARS} characters` : null;
  }

  app.get('/health', (req, res) => res.json({ status: 'ok' }));

  app.get('/api/:userId/tasks', user, (req, res) => {
    const { status = 'all' } = req.query;
    if (!['all', 'pending', 'completed'].includes(status)) {
      return invalid(res, 'status must be all, pending or completed');
    }
    return res.json(store.listTasks(req.owner, status));
  });

  app.post('/api/:userId/tasks', user, (req, res) => {
    const body = req.body;
    if (!isObject(body)) return invalid(res, 'the body must be a JSON object');
    const error = checkTitle(body.title, true) ?? checkDescription(body.description);
    if (error) return invalid(res, error);
    return res.status(201).json(store.createTask(req.owner, validateTitle(body.title), body.description ?? null));
  });

  app.get('/api/:userId/tasks/:taskId', user, (req, res) => {
    const id = parseId(req.params.taskId);
    if (id === null) return notFound(res);
    const task =
      config.flaw === 'task-read-idor'
        ? store.getTaskAnyOwner(id) // FLAW: found by id alone
        : store.getTask(req.owner, id);
    return task ? res.json(task) : notFound(res);
  });

  app.put('/api/:userId/tasks/:taskId', user, (req, res) => {
    const id = parseId(req.params.taskId);
    if (id === null) return notFound(res);
    const body = req.body;
    if (!isObject(body)) return invalid(res, 'the body must be a JSON object');
    const changes = {};
    const error =
      checkTitle(body.title, false) ??
      checkDescription(body.description) ??
      (body.completed !== undefined && typeof body.completed !== 'boolean' ? 'completed must be a boolean' : null);
    if (error) return invalid(res, error);
    if (body.title !== undefined) changes.title = validateTitle(body.title);
    if (body.description !== undefined) changes.description = body.description; // null clears it
    if (body.completed !== undefined) changes.completed = body.completed;
    if (Object.keys(changes).length === 0) return invalid(res, 'give at least one of title, description, completed');
    const task = store.updateTask(req.owner, id, changes);
    return task ? res.json(task) : notFound(res);
  });

  app.delete('/api/:userId/tasks/:taskId', user, (req, res) => {
    const id = parseId(req.params.taskId);
    if (id === null || !store.deleteTask(req.owner, id)) return notFound(res);
    return res.status(204).end();
  });

  app.patch('/api/:userId/tasks/:taskId/complete', user, (req, res) => {
    const id = parseId(req.params.taskId);
    const task = id === null ? null : store.toggleTask(req.owner, id);
    return task ? res.json(task) : notFound(res);
  });

  // Stateless chat: the history is read from the database on every request.
  app.post('/api/:userId/chat', user, (req, res) => {
    const body = req.body;
    if (!isObject(body)) return invalid(res, 'the body must be a JSON object');
    const { message, conversation_id: requested } = body;
    if (typeof message !== 'string' || message.trim() === '' || chars(message) > MAX_MESSAGE_CHARS) {
      return invalid(res, `message must be a non-empty string of at most ${MAX_MESSAGE_CHARS} characters`);
    }
    let conversationId;
    let history;
    if (requested === undefined || requested === null) {
      conversationId = store.createConversation(req.owner);
      history = [];
    } else {
      if (!Number.isInteger(requested) || requested < 1 || requested > MAX_ID) {
        return invalid(res, 'conversation_id must be a positive integer');
      }
      conversationId = requested;
      history = store.conversationMessages(req.owner, conversationId);
      if (history === null) return notFound(res);
    }
    store.addMessage(req.owner, conversationId, 'user', message);
    const reply = respond(store, req.owner, history, message);
    store.addMessage(req.owner, conversationId, 'assistant', reply.response);
    return res.json({ conversation_id: conversationId, response: reply.response, tool_calls: reply.toolCalls });
  });

  app.get('/api/:userId/conversations/:conversationId', user, (req, res) => {
    const id = parseId(req.params.conversationId);
    const messages = id === null ? null : store.conversationMessages(req.owner, id);
    return messages ? res.json({ id, messages }) : notFound(res);
  });

  // MCP over JSON-RPC 2.0, one plain JSON message per POST.
  const rpcError = (res, id, code, message) => res.json({ jsonrpc: '2.0', id, error: { code, message } });
  const toolResult = (output) => ({
    content: [{ type: 'text', text: output.text }],
    structuredContent: output.structured,
    isError: output.isError,
  });

  function toolsCall(sub, params) {
    const name = isObject(params) ? params.name : undefined;
    if (typeof name !== 'string') return { error: [-32602, 'params.name must be a string'] };
    if (!TOOL_NAMES.includes(name)) return { error: [-32602, `unknown tool: ${name}`] };
    const args = params.arguments ?? {};
    if (!isObject(args)) return { error: [-32602, 'params.arguments must be an object'] };
    const requested = args.user_id;
    let owner;
    if (typeof requested !== 'string') return { result: toolResult(toolError('invalid_arguments', 'user_id is required')) };
    if (requested === sub) owner = sub;
    else if (config.flaw === 'mcp-trusts-user-id') owner = requested; // FLAW: the argument picks the user
    else return { result: toolResult(toolError('forbidden', 'user_id does not match the authenticated user')) };
    return { result: toolResult(callTool(store, owner, name, args)) };
  }

  app.post('/mcp', authenticate, (req, res) => {
    const message = req.body;
    if (!isObject(message)) return rpcError(res, null, -32600, 'expected one JSON-RPC request object');
    const hasId = Object.hasOwn(message, 'id');
    const { id, method } = message;
    const validId = !hasId || typeof id === 'string' || Number.isInteger(id);
    if (message.jsonrpc !== '2.0' || typeof method !== 'string' || !validId) {
      return rpcError(res, validId && hasId ? id : null, -32600, 'invalid JSON-RPC 2.0 request');
    }
    if (!hasId) return res.status(202).end(); // a notification: no answer
    const params = message.params ?? {};
    let result;
    switch (method) {
      case 'initialize': {
        const requested = isObject(params) ? params.protocolVersion : undefined;
        result = {
          protocolVersion: PROTOCOL_VERSIONS.includes(requested) ? requested : PROTOCOL_VERSIONS[0],
          capabilities: { tools: { listChanged: false } },
          serverInfo: { name: 'authconform-interop-express', version: '0.1.0' },
        };
        break;
      }
      case 'ping':
        result = {};
        break;
      case 'tools/list':
        result = { tools: definitions() };
        break;
      case 'tools/call': {
        const outcome = toolsCall(req.sub, params);
        if (outcome.error) return rpcError(res, id, ...outcome.error);
        result = outcome.result;
        break;
      }
      default:
        return rpcError(res, id, -32601, `method not found: ${method}`);
    }
    return res.json({ jsonrpc: '2.0', id, result });
  });

  return app;
}
