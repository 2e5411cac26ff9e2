// Linq's official TypeScript SDK against the gateway. Env: GATEWAY_URL (e.g. http://127.0.0.1:8080/api/partner),
// CLIENT_KEY (a gateway client key), SCENARIOS (comma-separated, default: ok,bad_address,wrong_key,rate_limited;
// also timeout_per_request, timeout_client_level).
// Prints a JSON summary on stdout; exits 1 on any mismatch, 2 on bad usage.
import { LinqAPIV3, BadRequestError, AuthenticationError, RateLimitError, APIConnectionTimeoutError } from '@linqapp/sdk';

const baseURL = process.env.GATEWAY_URL;
const apiKey = process.env.CLIENT_KEY;
if (!baseURL || !apiKey) {
  console.error('GATEWAY_URL and CLIENT_KEY must be set');
  process.exit(2);
}
const scenarios = (process.env.SCENARIOS || 'ok,bad_address,wrong_key,rate_limited').split(',').map((s) => s.trim()).filter(Boolean);

const client = new LinqAPIV3({ apiKey, baseURL, maxRetries: 0 });
const wrongKeyClient = new LinqAPIV3({ apiKey: 'not-a-client-key', baseURL, maxRetries: 0 });

function describe(e) {
  return { name: e?.constructor?.name, status: e?.status, message: String(e?.message ?? e) };
}

async function expectError(call, type) {
  try {
    const answer = await call();
    return { ok: false, detail: `expected ${type.name}, got an answer`, answer };
  } catch (e) {
    return { ok: e instanceof type, error: describe(e), e };
  }
}

const checks = {
  async ok() {
    const answer = await client.capability.checkIMessage({ address: '+15551234567' });
    const ok = answer.address === '+15551234567' && typeof answer.available === 'boolean';
    return { ok, answer };
  },
  async bad_address() {
    const r = await expectError(() => client.capability.checkIMessage({ address: 'not-an-address' }), BadRequestError);
    r.ok = r.ok && r.e.status === 400;
    delete r.e;
    return r;
  },
  async wrong_key() {
    const r = await expectError(() => wrongKeyClient.capability.checkIMessage({ address: '+15551234567' }), AuthenticationError);
    r.ok = r.ok && r.e.status === 401;
    delete r.e;
    return r;
  },
  async rate_limited() {
    // A deadline inside Linq's Retry-After (set up by the caller), so the gateway answers 429 at once.
    const r = await expectError(() => client.capability.checkIMessage({ address: '+15551234568' },
      { headers: { 'X-Request-Timeout-Ms': '20000' } }), RateLimitError);
    const retryAfter = r.e?.headers?.get?.('retry-after') ?? null;
    r.retryAfter = retryAfter;
    r.ok = r.ok && r.e.status === 429 && retryAfter !== null && retryAfter !== '';
    delete r.e;
    return r;
  },
  // The two timeout scenarios run while Linq is paused for longer than 5 s (set up by the caller), first
  // this one. A per-request `timeout` is sent as X-Stainless-Timeout (whole seconds): the gateway knows the
  // caller gives up after 5 s and answers the pause at once (429) instead of waiting it out.
  async timeout_per_request() {
    const r = await expectError(() => client.capability.checkIMessage({ address: '+15551234569' }, { timeout: 5000 }),
      RateLimitError);
    r.ok = r.ok && r.e.status === 429;
    delete r.e;
    return r;
  },
  // A client-level `timeout` (like the SDK's 60 s default) is applied by the SDK alone, no header is sent:
  // the gateway keeps its default deadline and waits out the pause, and the SDK gives up first.
  async timeout_client_level() {
    const shortClient = new LinqAPIV3({ apiKey, baseURL, maxRetries: 0, timeout: 5000 });
    const r = await expectError(() => shortClient.capability.checkIMessage({ address: '+15551234570' }),
      APIConnectionTimeoutError);
    delete r.e;
    return r;
  },
};

const summary = { ok: true, results: {} };
for (const name of scenarios) {
  const check = checks[name];
  if (!check) {
    console.error(`unknown scenario ${name}; known: ${Object.keys(checks).join(', ')}`);
    process.exit(2);
  }
  let result;
  try {
    result = await check();
  } catch (e) {
    result = { ok: false, error: describe(e) };
  }
  summary.results[name] = result;
  summary.ok = summary.ok && result.ok;
}
console.log(JSON.stringify(summary));
process.exit(summary.ok ? 0 : 1);
