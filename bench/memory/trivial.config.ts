// A TypeScript config with no imports: what jiti costs on its own.
interface Config {
  name: string;
}
const config: Config = { name: 'trivial' };
export default config;
