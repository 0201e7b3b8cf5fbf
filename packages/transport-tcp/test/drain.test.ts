import { Drain } from '../src/drain';

/** Whether a promise has settled, after letting queued callbacks run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe('Drain', () => {
  beforeEach(() => jest.useFakeTimers({ now: 10_000 }));
  afterEach(() => jest.useRealTimers());

  it('is done at once when nothing is open, and never cuts', async () => {
    const cut = jest.fn();
    const drain = new Drain(0, 10_500, cut);
    expect(await drain.done).toEqual({ completed: 0, forced: 0, handedOff: 0 });
    jest.runAllTimers();
    expect(cut).not.toHaveBeenCalled();
  });

  it.each([
    [['completed', 'completed'], { completed: 2, forced: 0, handedOff: 0 }],
    [['forced', 'handed-off', 'completed'], { completed: 1, forced: 1, handedOff: 1 }],
    [['handed-off', 'handed-off'], { completed: 0, forced: 0, handedOff: 2 }],
  ] as const)('counts each closed connection by its outcome: %j', async (outcomes, report) => {
    const cut = jest.fn();
    const drain = new Drain(outcomes.length, 10_500, cut);
    for (const outcome of outcomes.slice(0, -1)) drain.closed(outcome);
    expect(await settled(drain.done)).toBe(false);
    drain.closed(outcomes[outcomes.length - 1]);
    expect(await drain.done).toEqual(report);
    // Done before the deadline: the cut never comes.
    jest.runAllTimers();
    expect(cut).not.toHaveBeenCalled();
  });

  it('cuts at the deadline what is still open, and is done once the cut connections close', async () => {
    const cut = jest.fn();
    const drain = new Drain(2, 10_500, cut);
    drain.closed('completed');
    jest.advanceTimersByTime(499);
    expect(cut).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(cut).toHaveBeenCalledTimes(1);
    expect(await settled(drain.done)).toBe(false);
    drain.closed('forced');
    expect(await drain.done).toEqual({ completed: 1, forced: 1, handedOff: 0 });
  });

  it('cuts on the next turn when the deadline has already passed', () => {
    const cut = jest.fn();
    new Drain(1, 9_000, cut);
    expect(cut).not.toHaveBeenCalled();
    jest.advanceTimersByTime(0);
    expect(cut).toHaveBeenCalledTimes(1);
  });

  it('ignores closes past the count it started with', async () => {
    const drain = new Drain(1, 10_500, jest.fn());
    drain.closed('completed');
    drain.closed('forced');
    drain.closed('handed-off');
    expect(await drain.done).toEqual({ completed: 1, forced: 0, handedOff: 0 });
  });
});
