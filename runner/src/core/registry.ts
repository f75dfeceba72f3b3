/** The engine registry: each engine module registers itself; runner/src/engines/index.ts imports them all. */
import type { Engine } from './engine';

const engines = new Map<string, Engine>();

export function registerEngine(engine: Engine): void {
  if (engines.has(engine.name)) throw new Error(`engine ${engine.name} is registered twice`);
  engines.set(engine.name, engine);
}

export function getEngine(name: string): Engine | undefined {
  return engines.get(name);
}

export function allEngines(): Engine[] {
  return [...engines.values()].sort((a, b) => a.name.localeCompare(b.name));
}
