import { UsageError, parseCommand } from './args';

describe('support CLI arguments', () => {
  it('reads order, resend (order or line) and replay with its window, filters and --publish', () => {
    expect(parseCommand(['order', 'ord_1'])).toEqual({ name: 'order', orderId: 'ord_1' });
    expect(parseCommand(['resend', 'ord_1'])).toEqual({ name: 'resend', orderId: 'ord_1' });
    expect(parseCommand(['resend', 'ord_1', '2'])).toEqual({ name: 'resend', orderId: 'ord_1', lineId: '2' });
    expect(
      parseCommand([
        'replay',
        '--since',
        '2026-11-29T10:00:00Z',
        '--until',
        '2026-11-29T12:00:00+01:00',
        '--merchant',
        'm_a',
        '--merchant',
        'm_b',
        '--order',
        'o1',
        '--publish',
      ]),
    ).toEqual({
      name: 'replay',
      since: new Date('2026-11-29T10:00:00Z'),
      until: new Date('2026-11-29T11:00:00Z'),
      merchantIds: ['m_a', 'm_b'],
      orderIds: ['o1'],
      publish: true,
      json: false,
    });
    expect(parseCommand(['replay', '--since', '2026-11-29'])).toMatchObject({
      since: new Date('2026-11-29T00:00:00Z'),
      publish: false,
      merchantIds: [],
      orderIds: [],
    });
    expect(parseCommand(['orders', '--merchant', 'm_a', '--email', 'ann@example.com', '--status', 'email_failed', '--max', '20'])).toEqual({
      name: 'orders',
      merchantId: 'm_a',
      customerEmail: 'ann@example.com',
      status: 'email_failed',
      max: 20,
      json: false,
    });
    expect(parseCommand(['orders', '--merchant', 'm_a', '--json'])).toEqual({ name: 'orders', merchantId: 'm_a', max: 200, json: true });
    expect(parseCommand(['order', 'ord_1', '--json'])).toEqual({ name: 'order', orderId: 'ord_1' });
    expect(parseCommand([])).toEqual({ name: 'help' });
    expect(parseCommand(['--help'])).toEqual({ name: 'help' });
    expect(parseCommand(['replay', '--help'])).toEqual({ name: 'help', command: 'replay' });
    expect(parseCommand(['help', 'stuck'])).toEqual({ name: 'help', command: 'stuck' });
    expect(parseCommand(['dlq', 'redrive', '-h'])).toEqual({ name: 'help', command: 'dlq' });
    expect(parseCommand(['--version'])).toEqual({ name: 'version' });
  });

  it('reads dlq list, show and redrive, and stuck', () => {
    expect(parseCommand(['dlq', 'list', 'order-paid', '--since', '2026-11-29', '--type', 'OrderPaid', '--reason', 'quantity', '--limit', '5'])).toEqual({
      name: 'dlq-list',
      topic: 'order-paid',
      filter: { since: new Date('2026-11-29T00:00:00Z'), type: 'OrderPaid', reason: 'quantity' },
      limit: 5,
      json: false,
    });
    expect(parseCommand(['dlq', 'list', '--all', '--json'])).toEqual({ name: 'dlq-list', topic: { all: true }, filter: {}, limit: 100, json: true });
    expect(parseCommand(['dlq', 'show', 'order-paid.dlq', '2:17'])).toEqual({
      name: 'dlq-show',
      topic: 'order-paid.dlq',
      position: { partition: 2, offset: '17' },
    });
    expect(parseCommand(['dlq', 'redrive', 'order-paid', '0:1', '3:007'])).toEqual({
      name: 'dlq-redrive',
      topic: 'order-paid',
      selection: {
        positions: [
          { partition: 0, offset: '1' },
          { partition: 3, offset: '7' },
        ],
      },
      publish: false,
      json: false,
    });
    expect(parseCommand(['dlq', 'redrive', 'order-paid', '--all', '--reason', 'timeout', '--publish'])).toEqual({
      name: 'dlq-redrive',
      topic: 'order-paid',
      selection: { all: { reason: 'timeout' } },
      publish: true,
      json: false,
    });
    expect(parseCommand(['alerts', 'tail'])).toEqual({ name: 'alerts-tail', merchantIds: [], json: false });
    expect(parseCommand(['alerts', 'tail', '--since', '2026-11-29', '--merchant', 'm_a', '--mode', 'test', '--max', '3', '--json'])).toEqual({
      name: 'alerts-tail',
      since: new Date('2026-11-29T00:00:00Z'),
      merchantIds: ['m_a'],
      mode: 'test',
      max: 3,
      json: true,
    });
    expect(parseCommand(['stuck'])).toEqual({ name: 'stuck', json: false, max: 200 });
    expect(parseCommand(['stuck', '--older-than', '2h', '--merchant', 'm_a', '--json', '--max', '50'])).toEqual({
      name: 'stuck',
      olderThanSeconds: 7200,
      merchantId: 'm_a',
      json: true,
      max: 50,
    });
  });

  it.each([
    [['replay'], 'replay needs --since'],
    [['replay', '--since', 'yesterday'], '--since "yesterday" is not an ISO 8601 time'],
    [['replay', '--since', '2026-11-29T10:00:00Z', '--until', '2026-11-29T09:00:00Z'], '--until (2026-11-29T09:00:00.000Z) must be after --since'],
    [['replay', '--since', '2026-11-29', '--everything'], 'replay has no option --everything (npm run support -- replay --help lists its options)'],
    [['dlq', 'list', 'order-paid', '--since'], "dlq list: Option '--since <value>' argument missing"],
    [['replay', '--since', '2026-11-29', 'ord_1'], 'replay takes only options, got: ord_1'],
    [['order'], 'order needs an order id'],
    [['order', 'ord_1', '2'], 'order takes one argument'],
    [['resend', 'ord_1', '2', '3'], 'resend takes at most two arguments'],
    [['refund', 'ord_1'], 'unknown command "refund"'],
    [['orders'], 'orders needs --merchant'],
    [['orders', '--merchant', 'm_a', '--max', '0'], '--max must be a whole number from 1 to 10000'],
    [['dlq'], 'dlq needs list, show or redrive'],
    [['dlq', 'list'], 'dlq list takes one topic'],
    [['dlq', 'list', 'order-paid', '--all'], 'dlq list takes one topic'],
    [['dlq', 'list', 'order-paid', '--limit', 'all'], '--limit must be a whole number'],
    [['dlq', 'show', 'order-paid'], 'dlq show takes a topic and a position'],
    [['dlq', 'show', 'order-paid', '3'], '"3" is not a position'],
    [['dlq', 'redrive', 'order-paid'], 'dlq redrive needs the records to send'],
    [['dlq', 'redrive', 'order-paid', '0:1', '--all'], 'either positions or --all'],
    [['dlq', 'redrive', 'order-paid', '0:1', '--type', 'OrderPaid'], '--since, --type and --reason narrow --all'],
    [['stuck', '--older-than', '15'], '--older-than "15" is not a duration'],
    [['alerts'], 'alerts needs tail, got nothing'],
    [['alerts', 'follow'], 'alerts needs tail, got "follow"'],
    [['alerts', 'tail', '--mode', 'staging'], '--mode must be live or test, got staging'],
    [['alerts', 'tail', '--max', '0'], '--max must be a whole number from 1 to 10000'],
    [['alerts', 'tail', 'pool-low'], 'alerts tail takes only options, got: pool-low'],
  ])('refuses %j, saying what to fix', (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});
