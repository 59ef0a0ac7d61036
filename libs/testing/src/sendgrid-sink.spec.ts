import { SinkProcess } from './sendgrid-sink';

describe('SinkProcess', () => {
  it('starts the sink as a process and reads what it stored', async () => {
    const sink = await SinkProcess.start();
    try {
      await sink.failNext(500, 1);
      expect(await sink.messages()).toEqual([]);
    } finally {
      await sink.stop();
    }
  });
});
