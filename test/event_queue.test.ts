import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue, type PoppedEvent } from '../src/engine/event_queue.js';
import { Simulator, Yield } from '../src/engine/simulator.js';

describe('EventQueue', () => {
  it('pops in (time, priority, insertion order) order, like a stable sort', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: -3, max: 3 })), { maxLength: 300 }), (events) => {
        const queue = new EventQueue(4);
        events.forEach(([t, p], i) => queue.push(t, p, 0, i));
        const expected = events
          .map(([t, p], i) => ({ t, p, i }))
          .sort((a, b) => a.t - b.t || a.p - b.p || a.i - b.i)
          .map((e) => e.i);
        const out: PoppedEvent = { time_ns: 0, priority: 0, seq: 0, kind: 0, arg: 0 };
        const popped: number[] = [];
        while (queue.size > 0) {
          queue.pop(out);
          popped.push(out.arg);
        }
        expect(popped).toEqual(expected);
      }),
    );
  });
});

describe('Simulator', () => {
  it('runs a task ahead of the queue without events, and yields only when an event is due before its clock', () => {
    const sim = new Simulator();
    const log: string[] = [];
    const kind = sim.register((arg) => log.push(`event ${arg} at ${sim.now_ns}`));
    sim.schedule(150, 0, kind, 1);
    sim.spawn('t', 0, (task) =>
      (function* () {
        task.now_ns = 100;
        log.push(`task must_yield=${sim.must_yield(task)} at 100`);
        task.now_ns = 200;
        if (sim.must_yield(task)) yield Yield.resume;
        log.push(`task at ${sim.now_ns}`);
      })(),
    );
    sim.run({ events_max: 100, time_ns_max: 1000 });
    expect(log).toEqual(['task must_yield=false at 100', 'event 1 at 150', 'task at 200']);
  });

  it('refuses events in the past and unbounded runs', () => {
    const sim = new Simulator();
    const kind = sim.register(() => sim.schedule(sim.now_ns + 1, 0, kind, 0));
    sim.schedule(0, 0, kind, 0);
    expect(() => sim.run({ events_max: 10, time_ns_max: 1e9 })).toThrow(/events/);
    expect(() => sim.schedule(0, 0, kind, 0)).toThrow(/past/);
  });
});
