// N concurrent official Linq SDK clients checking M distinct addresses through the gateway.
// Usage: GATEWAY_URL=http://127.0.0.1:8080/api/partner [CLIENT_KEY=…] [SIM_URL=http://127.0.0.1:8090]
//        node load.mjs [clients=200] [checks=2000]
import LinqAPIV3 from '@linqapp/sdk';

const [clients = 200, checks = 2000] = process.argv.slice(2).map(Number);
const baseURL = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080/api/partner';
const apiKey = process.env.CLIENT_KEY ?? 'unused-in-sandbox';
const addresses = Array.from({ length: checks }, (_, i) => `+1202${String(5_000_000 + i).padStart(7, '0')}`);

let next = 0;
const outcomes = { answered: 0, failed: 0, byStatus: {} };
const started = Date.now();

async function worker() {
  const linq = new LinqAPIV3({ apiKey, baseURL }); // the SDK's defaults: 2 retries, 60 s timeout
  while (next < addresses.length) {
    const address = addresses[next++];
    try {
      const answer = await linq.capability.checkIMessage({ address });
      if (answer.address !== address || typeof answer.available !== 'boolean') throw new Error('bad answer');
      outcomes.answered++;
    } catch (error) {
      outcomes.failed++;
      const key = String(error.status ?? error.name);
      outcomes.byStatus[key] = (outcomes.byStatus[key] ?? 0) + 1;
    }
  }
}

await Promise.all(Array.from({ length: clients }, worker));
const seconds = (Date.now() - started) / 1000;
const report = { clients, checks, ...outcomes, seconds, checksPerSecond: +(checks / seconds).toFixed(1) };
if (process.env.SIM_URL) {
  report.simulator = await (await fetch(`${process.env.SIM_URL}/_sim/stats`)).json();
}
console.log(JSON.stringify(report, null, 2));
process.exit(outcomes.failed === 0 ? 0 : 1);
