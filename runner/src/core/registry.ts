/**
 * The engine registry: each engine module registers itself; runner/src/engines/index.ts imports
 * them all. Every engine is a record of the engine catalog (runtime/engines/), which gives its
 * name, description and backup types.
 */
import { ENGINE_NAMES, findEngine, type EngineRecord } from '../../../runtime/engines';
import type { Engine } from './engine';

/** The catalog's facts of an engine, spread into its runner module. */
export function fromCatalog(name: string): Pick<Engine, 'name' | 'description' | 'backupTypes'> {
  const record: EngineRecord | undefined = findEngine(name);
  if (!record) throw new Error(`engine ${name} is not in the engine catalog (runtime/engines/: ${ENGINE_NAMES.join(', ')})`);
  return { name: record.name, description: record.description, backupTypes: record.backupTypes };
}

const engines = new Map<string, Engine>();

export function registerEngine(engine: Engine): void {
  if (engines.has(engine.name)) throw new Error(`engine ${engine.name} is registered twice`);
  if (!findEngine(engine.name)) throw new Error(`engine ${engine.name} is not in the engine catalog (runtime/engines/)`);
  engines.set(engine.name, engine);
}

export function getEngine(name: string): Engine | undefined {
  return engines.get(name);
}

export function allEngines(): Engine[] {
  return [...engines.values()].sort((a, b) => a.name.localeCompare(b.name));
}
