// Longest files first. Jest orders a run by each file's last duration, which
// a fresh clone (CI) has not got: it falls back to file size, and a ten-minute
// load test can then start last, alone, while the other worker idles. The
// files named here are the long ones (real clusters reloaded or upgraded
// again and again under load); within each group jest's own order stays.
const Sequencer = require('@jest/test-sequencer').default;

const LONG_FIRST = [/\/test\/reload\/[^/]*under-load\.test\.ts$/, /\/test\/upgrade\/under-load\.test\.ts$/, /\/test\/systemd\/socket-activation\.test\.ts$/];

class LongestFirstSequencer extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    const isLong = (test) => LONG_FIRST.some((pattern) => pattern.test(test.path));
    return [...ordered.filter(isLong), ...ordered.filter((test) => !isLong(test))];
  }
}

module.exports = LongestFirstSequencer;
