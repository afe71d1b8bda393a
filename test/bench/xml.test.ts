import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xmlProblem } from './xml.js';

describe('the SVG well-formedness check used by the bench tests', () => {
  it('accepts a small document and rejects broken ones', () => {
    assert.equal(xmlProblem('<?xml version="1.0"?>\n<svg a="1"><g><rect x="0"/><text>a &amp; b</text></g></svg>\n'), undefined);
    assert.match(xmlProblem('<svg><g></svg>')!, /does not close/);
    assert.match(xmlProblem('<svg><text>a & b</text></svg>')!, /bare &/);
    assert.match(xmlProblem('<svg><text>a < b</text></svg>')!, /unexpected markup/);
    assert.match(xmlProblem('<svg></svg><svg></svg>')!, /2 root elements/);
    assert.match(xmlProblem('<svg>')!, /unclosed/);
  });
});
