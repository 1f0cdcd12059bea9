// Loaded with `node --import` into every server the bench starts (the product and its peers alike): answers the
// bench's IPC samples with the process's CPU time, memory and event-loop delay. It changes nothing in the server.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

if (process.send) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let utilization = performance.eventLoopUtilization();
  // A plain timer beside the histogram: the longest gap between its ticks is the longest stall, whatever the
  // histogram's sampling makes of it.
  let last = performance.now();
  let longestGap = 0;
  setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
  }, 5).unref();
  let session;
  const post = (method, params) =>
    new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  // `bench --profile`: a CPU profile of a window, written where the bench asks (for DevTools, and its summary).
  process.on('message', async (message) => {
    if (message?.bench === 'profile-start') {
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
      process.send?.({ bench: 'profile-start', id: message.id });
    }
    if (message?.bench === 'profile-stop' && session) {
      const { profile } = await post('Profiler.stop');
      writeFileSync(message.path, JSON.stringify(profile));
      session.disconnect();
      session = undefined;
      process.send?.({ bench: 'profile-stop', id: message.id });
    }
  });
  process.on('message', (message) => {
    if (message?.bench !== 'sample') return;
    const cpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const elu = performance.eventLoopUtilization(utilization);
    process.send?.({
      bench: 'sample',
      id: message.id,
      cpuUs: cpu.user + cpu.system,
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      lagMaxMs: delay.max / 1e6,
      lagP99Ms: delay.percentile(99) / 1e6,
      lagMeanMs: delay.mean / 1e6,
      elu: elu.utilization,
      stallMaxMs: Math.max(0, Math.max(longestGap, performance.now() - last) - 5),
    });
    if (message.reset) {
      delay.reset();
      longestGap = 0;
      utilization = performance.eventLoopUtilization();
    }
  });
  // The IPC channel must not keep a server alive that would otherwise exit.
  process.channel?.unref();
}
