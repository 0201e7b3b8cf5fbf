// A benchmark's command line: `--name value` options, each declared with its
// default, checked before anything starts. --help prints the help text.

const camel = (name) => name.replace(/-(\w)/g, (_, c) => c.toUpperCase());

/**
 * `spec`: for every option (by its name on the command line), either
 * `{ whole: default }` (a whole number, 0 or more), `{ list: default, allowed }`
 * (comma-separated values, each one of `allowed`) or `{ one: default, allowed }`
 * (one of `allowed`). `--help` prints `help` and exits 0; an unknown option, a
 * missing value or a bad one exits 2 with a line that names it (prefixed
 * with `program`). Returns the values by the options' names in camelCase
 * (`reload-rounds` is `reloadRounds`), lists as arrays.
 */
function parseArgs(argv, { program, help, spec }) {
  const fail = (message) => {
    console.error(`${program}: ${message} (see --help)`);
    process.exit(2);
  };
  const given = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') {
      console.log(help);
      process.exit(0);
    }
    const name = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !(name in spec) || argv[i + 1] === undefined) fail(`unknown option or missing value: ${argv[i]}`);
    given[name] = argv[++i];
  }
  const values = {};
  for (const [name, option] of Object.entries(spec)) {
    let value;
    if ('whole' in option) {
      value = Number(given[name] ?? option.whole);
      if (!Number.isInteger(value) || value < 0) fail(`--${name} must be a whole number, got ${given[name]}`);
    } else {
      const raw = given[name] ?? ('list' in option ? option.list : option.one);
      value = 'list' in option ? raw.split(',') : [raw];
      for (const item of value) if (!option.allowed.includes(item)) fail(`--${name}: ${item} is not one of ${option.allowed.join(', ')}`);
      if ('one' in option) value = value[0];
    }
    values[camel(name)] = value;
  }
  return values;
}

module.exports = { parseArgs };
