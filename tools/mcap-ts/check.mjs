#!/usr/bin/env node
// Opens an MCAP file with @mcap/core's McapIndexedReader, the indexed reader Foxglove uses to
// open files (it needs the summary and the chunk message indexes), reads every message, parses
// each body as JSON and prints one line of JSON describing what it saw:
//
//   {"profile","library","channels":[{"topic","messageEncoding","schemaName","schemaEncoding",
//    "metadata"}],"messageCounts":{topic:n},"total":n,"firstValue":{topic:value}}
//
// Usage: node tools/mcap-ts/check.mjs FILE.mcap   (exit 0 read, 1 any error, 2 usage)
// The integration test tests/it/foxglove.rs runs it; scripts/setup.sh installs its packages.

import { open } from "node:fs/promises";
import process from "node:process";

import zstd from "@foxglove/wasm-zstd";
import { McapIndexedReader } from "@mcap/core";

/** A random-access readable over a file, as McapIndexedReader wants it. */
class FileReadable {
  #handle;

  constructor(handle) {
    this.#handle = handle;
  }

  async size() {
    const stat = await this.#handle.stat();
    return BigInt(stat.size);
  }

  async read(offset, length) {
    if (offset > BigInt(Number.MAX_SAFE_INTEGER) || length > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Error(`read of ${length} bytes at ${offset} is out of range`);
    }
    const want = Number(length);
    const buffer = new Uint8Array(want);
    let done = 0;
    while (done < want) {
      const { bytesRead } = await this.#handle.read(
        buffer,
        done,
        want - done,
        Number(offset) + done,
      );
      if (bytesRead === 0) {
        throw new Error(`short read: ${done} of ${want} bytes at offset ${offset}`);
      }
      done += bytesRead;
    }
    return buffer;
  }
}

async function check(path) {
  await zstd.isLoaded;
  const handle = await open(path, "r");
  try {
    const reader = await McapIndexedReader.Initialize({
      readable: new FileReadable(handle),
      decompressHandlers: {
        zstd: (buffer, decompressedSize) => zstd.decompress(buffer, Number(decompressedSize)),
      },
    });

    const channels = [];
    const messageCounts = {};
    for (const channel of reader.channelsById.values()) {
      const schema = reader.schemasById.get(channel.schemaId);
      if (channel.schemaId !== 0 && schema == undefined) {
        throw new Error(`channel ${channel.topic} refers to unknown schema ${channel.schemaId}`);
      }
      channels.push({
        topic: channel.topic,
        messageEncoding: channel.messageEncoding,
        schemaName: schema?.name ?? null,
        schemaEncoding: schema?.encoding ?? null,
        metadata: Object.fromEntries(channel.metadata),
      });
      messageCounts[channel.topic] = 0;
    }

    const decoder = new TextDecoder("utf-8", { fatal: true });
    const firstValue = {};
    let total = 0;
    for await (const message of reader.readMessages()) {
      const channel = reader.channelsById.get(message.channelId);
      if (channel == undefined) {
        throw new Error(`message on unknown channel ${message.channelId}`);
      }
      let body;
      try {
        body = JSON.parse(decoder.decode(message.data));
      } catch (error) {
        throw new Error(
          `message ${messageCounts[channel.topic]} on ${channel.topic} is not JSON: ${error.message}`,
        );
      }
      if (body === null || typeof body !== "object" || !("value" in body)) {
        throw new Error(`message on ${channel.topic} has no "value": ${JSON.stringify(body)}`);
      }
      if (!(channel.topic in firstValue)) {
        firstValue[channel.topic] = body.value;
      }
      messageCounts[channel.topic] += 1;
      total += 1;
    }

    return {
      profile: reader.header.profile,
      library: reader.header.library,
      channels,
      messageCounts,
      total,
      firstValue,
    };
  } finally {
    await handle.close();
  }
}

const args = process.argv.slice(2);
if (args.length !== 1) {
  process.stderr.write("usage: node tools/mcap-ts/check.mjs FILE.mcap\n");
  process.exit(2);
}

try {
  const seen = await check(args[0]);
  process.stdout.write(`${JSON.stringify(seen)}\n`);
} catch (error) {
  process.stderr.write(`check.mjs: ${args[0]}: ${error?.stack ?? error}\n`);
  process.exit(1);
}
