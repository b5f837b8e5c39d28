import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEW, parseViewState, serializeViewState, withKnownRegion, type ViewState } from './view-state.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('dashboard view state in the URL', () => {
  it('opens the default view from an empty query, with nothing to note', () => {
    expect(parseViewState('', NOW)).toEqual({ view: DEFAULT_VIEW, notes: [] });
  });

  it('restores what it serialized', () => {
    const views: ViewState[] = [
      { range: '7d', region: 'india', host: 'in-03', mode: 'live', cursor: null, speed: 60 },
      { range: { from: NOW - 86_400_000, to: NOW }, region: '', host: '', mode: 'playback', cursor: NOW - 3_600_000, speed: 3600 },
    ];
    for (const view of views) expect(parseViewState(serializeViewState(view), NOW)).toEqual({ view, notes: [] });
  });

  it.each([
    ['?region=BAD%20REGION', 'region: "BAD REGION" is not a region name'],
    ['?from=2026-12-01T10:00:00Z&to=2026-12-01T09:00:00Z', 'from/to: the range ends before it starts'],
    ['?from=yesterday&to=now', 'is not a time range'],
    ['?range=2y', 'range: "2y" is not one of'],
    ['?speed=0', 'speed: "0" is not a positive number'],
    ['?speed=1e9', 'speed: 1e9× is above 3600×'],
    ['?mode=replay', 'mode: "replay" is neither live nor playback'],
    ['?mode=playback&range=1h&cursor=2020-01-01T00:00:00Z', 'cursor: 2020-01-01T00:00:00.000Z is outside the window'],
    ['?host=%3Cscript%3E', 'host: "<script>" is not a host id'],
  ])('opens a valid view from %s, noting what it ignored', (search, note) => {
    const { view, notes } = parseViewState(search, NOW);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(note);
    expect(view.speed).toBeGreaterThanOrEqual(1);
    expect(view.speed).toBeLessThanOrEqual(3600);
    if (typeof view.range !== 'string') expect(view.range.from).toBeLessThan(view.range.to);
  });

  it('drops a well-formed region the data does not have, once the regions are known', () => {
    const { view } = parseViewState('?region=atlantis', NOW);
    expect(withKnownRegion(view, [])).toEqual({ view, note: null }); // not known yet: keep it
    expect(withKnownRegion(view, ['india', 'usa'])).toEqual({ view: { ...view, region: '' }, note: 'region: "atlantis" has no data; showing all regions' });
  });
});
