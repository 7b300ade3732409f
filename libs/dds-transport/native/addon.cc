// Entry point of the dds_transport addon: per-environment instance data (so worker threads each
// own their entities and tear down only those), then the exported functions.
#include <dds/version.h>

#include "common.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<ddsjs::AddonData>(new ddsjs::AddonData());
  ddsjs::InitEntities(env, exports);
  exports.Set("cycloneVersion", Napi::String::New(env, DDS_VERSION));
  return exports;
}

}  // namespace

NODE_API_MODULE(dds_transport, Init)
