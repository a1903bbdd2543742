import { createRequire } from 'node:module';
import type * as grpcTypes from '@grpc/grpc-js';
import type * as analyzerPb from '@pulumi/pulumi/proto/analyzer_pb';
import type * as analyzerGrpcPb from '@pulumi/pulumi/proto/analyzer_grpc_pb';
import type * as structPb from 'google-protobuf/google/protobuf/struct_pb';
import type * as emptyPb from 'google-protobuf/google/protobuf/empty_pb';

/**
 * The analyzer protocol stubs shipped in @pulumi/pulumi, with @grpc/grpc-js and google-protobuf
 * loaded THROUGH @pulumi/pulumi: the generated stubs check `instanceof` against their own copy of
 * those modules, so a second copy resolved from elsewhere would break every call.
 */
export interface AnalyzerProto {
  grpc: typeof grpcTypes;
  pb: typeof analyzerPb;
  grpcPb: typeof analyzerGrpcPb;
  struct: typeof structPb;
  empty: typeof emptyPb;
}

let loaded: AnalyzerProto | undefined;

export function analyzerProto(): AnalyzerProto {
  if (loaded) return loaded;
  const pulumiRequire = createRequire(require.resolve('@pulumi/pulumi/package.json'));
  loaded = {
    grpc: pulumiRequire('@grpc/grpc-js') as AnalyzerProto['grpc'],
    pb: pulumiRequire('@pulumi/pulumi/proto/analyzer_pb') as AnalyzerProto['pb'],
    grpcPb: pulumiRequire('@pulumi/pulumi/proto/analyzer_grpc_pb') as AnalyzerProto['grpcPb'],
    struct: pulumiRequire('google-protobuf/google/protobuf/struct_pb') as AnalyzerProto['struct'],
    empty: pulumiRequire('google-protobuf/google/protobuf/empty_pb') as AnalyzerProto['empty'],
  };
  return loaded;
}
