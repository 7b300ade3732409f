// Write path. Samples arrive as CDR bytes; a "carrier" serdata of a private sertype wraps those
// bytes without copying, and Cyclone converts it into the writer's own sertype with
// ddsi_serdata_from_ser_iov (one copy, plus Cyclone's own validation and key extraction), exactly
// as it does for data forwarded between domains. Dispose/unregister carry the key only, extracted
// here with Cyclone's stream functions so that readers see an invalid (key-only) sample.
#include <cstring>

#include "common.h"

extern "C" {
#include <dds/ddsi/ddsi_cdrstream.h>
#include <dds/ddsi/q_protocol.h>
}

namespace ddsjs {
namespace {

struct Carrier {
  ddsi_serdata c;
  const uint8_t* data;
  uint32_t size;
};

uint32_t CarrierSize(const ddsi_serdata* d) { return reinterpret_cast<const Carrier*>(d)->size; }

void CarrierToSer(const ddsi_serdata* d, size_t off, size_t sz, void* buf) {
  std::memcpy(buf, reinterpret_cast<const Carrier*>(d)->data + off, sz);
}

ddsi_serdata* CarrierToSerRef(const ddsi_serdata* d, size_t off, size_t sz, ddsrt_iovec_t* ref) {
  ref->iov_base = const_cast<uint8_t*>(reinterpret_cast<const Carrier*>(d)->data + off);
  ref->iov_len = static_cast<ddsrt_iov_len_t>(sz);
  return ddsi_serdata_ref(d);
}

void CarrierToSerUnref(ddsi_serdata* d, const ddsrt_iovec_t*) { ddsi_serdata_unref(d); }

// Carriers live on the stack of WriteCdr and are never retained by Cyclone (it keeps only the
// converted serdata), so dropping the last reference frees nothing.
void CarrierFree(ddsi_serdata*) {}

bool CarrierEqKey(const ddsi_serdata*, const ddsi_serdata*) { return false; }

void SertypeFree(ddsi_sertype*) {}
void SertypeZero(const ddsi_sertype*, void*, size_t) {}
void SertypeRealloc(void**, const ddsi_sertype*, void*, size_t, size_t) {}
void SertypeFreeSamples(const ddsi_sertype*, void**, size_t, dds_free_op_t) {}
bool SertypeEqual(const ddsi_sertype* a, const ddsi_sertype* b) { return a == b; }
uint32_t SertypeHash(const ddsi_sertype*) { return 0x5eed; }

const ddsi_sertype_ops kCarrierSertypeOps = [] {
  ddsi_sertype_ops ops{};
  ops.version = ddsi_sertype_v0;
  ops.free = SertypeFree;
  ops.zero_samples = SertypeZero;
  ops.realloc_samples = SertypeRealloc;
  ops.free_samples = SertypeFreeSamples;
  ops.equal = SertypeEqual;
  ops.hash = SertypeHash;
  return ops;
}();

const ddsi_serdata_ops kCarrierSerdataOps = [] {
  ddsi_serdata_ops ops{};
  ops.eqkey = CarrierEqKey;
  ops.get_size = CarrierSize;
  ops.to_ser = CarrierToSer;
  ops.to_ser_ref = CarrierToSerRef;
  ops.to_ser_unref = CarrierToSerUnref;
  ops.free = CarrierFree;
  return ops;
}();

const ddsi_sertype* CarrierType() {
  // Process-wide and intentionally never freed: a sertype is immutable after init and is never
  // registered with a domain, so sharing it between worker threads is safe.
  static ddsi_sertype* type = [] {
    auto* t = new ddsi_sertype{};
    ddsi_sertype_init(t, "dds_transport::carrier", &kCarrierSertypeOps, &kCarrierSerdataOps, false);
    return t;
  }();
  return type;
}

}  // namespace

TopicType::~TopicType() = default;

std::shared_ptr<TopicType> TopicType::FromJs(Napi::Env env, Napi::Object d) {
  std::shared_ptr<TopicType> t(new TopicType());
  t->typeName_ = d.Get("typeName").As<Napi::String>().Utf8Value();
  Napi::Array ops = d.Get("ops").As<Napi::Array>();
  t->ops_.resize(ops.Length());
  for (uint32_t i = 0; i < ops.Length(); i++)
    t->ops_[i] = static_cast<uint32_t>(ops.Get(i).As<Napi::Number>().Int64Value());
  Napi::Array keys = d.Get("keys").As<Napi::Array>();
  t->keyNames_.reserve(keys.Length());
  for (uint32_t i = 0; i < keys.Length(); i++) {
    Napi::Object k = keys.Get(i).As<Napi::Object>();
    t->keyNames_.push_back(k.Get("name").As<Napi::String>().Utf8Value());
  }
  for (uint32_t i = 0; i < keys.Length(); i++) {
    Napi::Object k = keys.Get(i).As<Napi::Object>();
    uint32_t off = k.Get("offset").As<Napi::Number>().Uint32Value();
    uint32_t idx = k.Get("index").As<Napi::Number>().Uint32Value();
    if (off >= t->ops_.size())
      throw Napi::RangeError::New(env, "key offset outside the descriptor's ops");
    t->keys_.push_back(dds_key_descriptor_t{t->keyNames_[i].c_str(), off, idx});
    t->stKeys_.push_back(ddsi_sertype_default_desc_key_t{off, idx});
  }
  auto bytes = [&](const char* k, std::vector<uint8_t>& out) {
    Napi::Value v = d.Get(k);
    if (!v.IsTypedArray()) return;
    Napi::Uint8Array a = v.As<Napi::Uint8Array>();
    out.assign(a.Data(), a.Data() + a.ByteLength());
  };
  bytes("typeInformation", t->typeInfo_);
  bytes("typeMapping", t->typeMap_);
  uint32_t flagset = d.Get("flagset").As<Napi::Number>().Uint32Value();
  if (t->typeInfo_.empty() || t->typeMap_.empty()) flagset &= ~DDS_TOPIC_XTYPES_METADATA;
  const uint32_t nkeys = static_cast<uint32_t>(t->keys_.size());
  const uint32_t nops = dds_stream_countops(t->ops_.data(), nkeys, t->keys_.data());
  t->desc_.reset(new dds_topic_descriptor_t{
      d.Get("size").As<Napi::Number>().Uint32Value(),
      d.Get("align").As<Napi::Number>().Uint32Value(),
      flagset,
      nkeys,
      t->typeName_.c_str(),
      nkeys ? t->keys_.data() : nullptr,
      nops,
      t->ops_.data(),
      nullptr,
      {t->typeInfo_.data(), static_cast<uint32_t>(t->typeInfo_.size())},
      {t->typeMap_.data(), static_cast<uint32_t>(t->typeMap_.size())},
      d.Get("restrictDataRepresentation").As<Napi::Number>().Uint32Value(),
  });
  // Only the type program is used (normalize, extract key); this sertype is never registered.
  t->st_.type.size = t->desc_->m_size;
  t->st_.type.align = t->desc_->m_align;
  t->st_.type.flagset = flagset;
  t->st_.type.keys.nkeys = nkeys;
  t->st_.type.keys.keys = nkeys ? t->stKeys_.data() : nullptr;
  t->st_.type.ops.nops = nops;
  t->st_.type.ops.ops = t->ops_.data();
  enum ddsi_sertype_extensibility ext;
  if (!dds_stream_extensibility(t->ops_.data(), &ext))
    throw Napi::TypeError::New(env, "descriptor ops do not describe a struct");
  t->st_.encoding_format = ddsi_sertype_extensibility_enc_format(ext);
  return t;
}

bool TopicType::ExtractKey(const uint8_t* data, size_t size, std::vector<uint8_t>& out) const {
  if (size < 4 || size > UINT32_MAX) return false;
  // Cyclone's CDR_* identifiers are the two header bytes as they sit in memory.
  uint16_t id;
  std::memcpy(&id, data, sizeof(id));
  const uint32_t xcdrv = ddsi_sertype_enc_id_xcdr_version(id);
  if (xcdrv != CDR_ENC_VERSION_1 && xcdrv != CDR_ENC_VERSION_2) return false;
  const bool little = (data[1] & 1u) != 0;
  const bool bswap = little != (DDSRT_ENDIAN == DDSRT_LITTLE_ENDIAN);
  std::vector<uint8_t> body(data + 4, data + size);
  const uint32_t pad = ((static_cast<uint32_t>(data[2]) << 8 | data[3]) & 3u);
  uint32_t actual = 0;
  if (body.size() < pad ||
      !dds_stream_normalize(body.data(), static_cast<uint32_t>(body.size() - pad), bswap, xcdrv,
                            &st_, false, &actual))
    return false;
  dds_istream_t is;
  dds_istream_init(&is, actual, body.data(), xcdrv);
  dds_ostream_t os;
  dds_ostream_init(&os, 0, xcdrv);
  const bool ok = dds_stream_extract_key_from_data(&is, &os, &st_);
  if (ok) {
    out.resize(4 + os.m_index);
    out[0] = data[0];
    out[1] = static_cast<uint8_t>(DDSRT_ENDIAN == DDSRT_LITTLE_ENDIAN ? (data[1] | 1u)
                                                                      : (data[1] & ~1u));
    out[2] = 0;
    out[3] = 0;
    if (os.m_index) std::memcpy(out.data() + 4, os.m_buffer, os.m_index);
  }
  dds_ostream_fini(&os);
  dds_istream_fini(&is);
  return ok;
}

dds_return_t WriteCdr(dds_entity_t writer, const TopicType& type, WriteOp op, const uint8_t* data,
                      size_t size, dds_time_t timestamp, bool* typeError) {
  *typeError = false;
  std::vector<uint8_t> key;
  const bool keyOnly = op == WriteOp::Dispose || op == WriteOp::Unregister;
  if (keyOnly && !type.Keyless()) {
    if (!type.ExtractKey(data, size, key)) {
      *typeError = true;
      return DDS_RETCODE_BAD_PARAMETER;
    }
    data = key.data();
    size = key.size();
  }
  Carrier carrier;
  ddsi_serdata_init(&carrier.c, CarrierType(), keyOnly && !type.Keyless() ? SDK_KEY : SDK_DATA);
  carrier.data = data;
  carrier.size = static_cast<uint32_t>(size);
  // dds_forwardcdr is dds_writecdr without overwriting the status info and source timestamp.
  carrier.c.statusinfo = op == WriteOp::Write        ? 0u
                         : op == WriteOp::Unregister ? NN_STATUSINFO_UNREGISTER
                                                     : NN_STATUSINFO_DISPOSE;
  carrier.c.timestamp.v = timestamp;
  const dds_return_t rc = dds_forwardcdr(writer, &carrier.c);
  // Cyclone reports a payload its sertype rejects as a generic error.
  if (rc == DDS_RETCODE_ERROR) *typeError = true;
  return rc;
}

}  // namespace ddsjs
