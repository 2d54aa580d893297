// The .proto files of src/remote/proto loaded with protobufjs: the schema the hand-walked
// decoders are checked against, and the encoder tests use to build requests.

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const PROTO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/remote/proto');

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => (origin ? resolve(dirname(origin), target) : resolve(PROTO_DIR, target));
  root.loadSync(['remote.proto', 'io/prometheus/write/v2/types.proto']);
  return root;
}

export const protoRoot = loadRoot();
export const WriteRequestV1 = protoRoot.lookupType('prometheus.WriteRequest');
export const RequestV2 = protoRoot.lookupType('io.prometheus.write.v2.Request');
