// Entity functions exported to JS. Entities are DDS handles (int32) tracked per environment, so a
// worker's teardown deletes only what that worker created.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "common.h"
#include "dds/ddsc/dds_loan_api.h"

namespace ddsjs {
namespace {

constexpr uint32_t kMaxBatch = 4096;
// Per-sample record in a take batch: flags u32, size u32, source timestamp i64, instance handle
// u64, publication handle u64, payload offset u32, padding u32.
constexpr uint32_t kInfoBytes = 40;
constexpr uint32_t kHeaderBytes = 8;

dds_entity_t HandleArg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].As<Napi::Number>().Int32Value();
}

void Check(Napi::Env env, dds_return_t rc, const char* what) {
  if (rc < 0) ThrowDds(env, rc, what);
}

/** Hands a new entity to its Record: from here on the environment's teardown deletes it. */
Napi::Value Track(Napi::Env env, EntityGuard& h, Record r) {
  Data(env).records.emplace(h.Get(), std::move(r));
  return Napi::Number::New(env, h.Release());
}

/**
 * The serdata references one dds_takecdr/dds_readcdr call handed out (one per sample), dropped on
 * every way out of Take.
 */
class SerdataRefs {
 public:
  SerdataRefs(const std::vector<ddsi_serdata*>& refs, dds_return_t n)
      : refs_(refs), n_(n > 0 ? n : 0) {}
  SerdataRefs(const SerdataRefs&) = delete;
  SerdataRefs& operator=(const SerdataRefs&) = delete;
  ~SerdataRefs() {
    for (int32_t i = 0; i < n_; i++) ddsi_serdata_unref(refs_[i]);
  }

 private:
  const std::vector<ddsi_serdata*>& refs_;
  const int32_t n_;
};

/** A loan of samples from dds_take/dds_read, returned on every way out of TakeBuiltin. */
class SampleLoan {
 public:
  SampleLoan(dds_entity_t reader, std::vector<void*>& bufs, dds_return_t n)
      : reader_(reader), bufs_(bufs), n_(n > 0 ? n : 0) {}
  SampleLoan(const SampleLoan&) = delete;
  SampleLoan& operator=(const SampleLoan&) = delete;
  ~SampleLoan() {
    if (n_ > 0) dds_return_loan(reader_, bufs_.data(), n_);
  }

 private:
  const dds_entity_t reader_;
  std::vector<void*>& bufs_;
  const int32_t n_;
};

/** Memory a dds_qget_* call allocated for the caller. */
struct DdsFree {
  void operator()(void* p) const { dds_free(p); }
};

/** The partition names dds_qget_partition copied out, freed on scope exit. */
class PartitionNames {
 public:
  PartitionNames() = default;
  PartitionNames(const PartitionNames&) = delete;
  PartitionNames& operator=(const PartitionNames&) = delete;
  ~PartitionNames() {
    for (uint32_t i = 0; i < n; i++) dds_free(names[i]);
    dds_free(names);
  }
  uint32_t n = 0;
  char** names = nullptr;
};

Napi::Value CreateParticipant(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const dds_domainid_t domain = info[0].As<Napi::Number>().Uint32Value();
  Record r;
  EntityGuard ownDomain;
  if (info[1].IsString()) {
    std::string config = info[1].As<Napi::String>();
    const dds_entity_t d = dds_create_domain(domain, config.c_str());
    Check(env, d, "dds_create_domain");
    ownDomain.Reset(d);
    r.domainId = domain;
  }
  QosPtr qos = QosFromJs(env, info[2]);
  EntityGuard pp(dds_create_participant(domain, qos.get(), nullptr));
  Check(env, pp.Get(), "dds_create_participant");
  r.ownDomain = ownDomain.Release();
  // Writers pack consecutive samples into one RTPS message and the TS layer flushes each writer
  // once the current JS job is done (a microtask), like a corked socket. The switch is per domain
  // and only reaches domains that exist, hence after every participant creation.
  dds_write_set_batch(true);
  return Track(env, pp, std::move(r));
}

Napi::Value CreateTopic(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t pp = HandleArg(info, 0);
  Lookup(env, pp);
  std::string name = info[1].As<Napi::String>();
  auto type = TopicType::FromJs(env, info[2].As<Napi::Object>());
  QosPtr qos = QosFromJs(env, info[3]);
  EntityGuard tp(dds_create_topic(pp, type->Descriptor(), name.c_str(), qos.get(), nullptr));
  Check(env, tp.Get(), "dds_create_topic");
  Record r;
  r.parent = pp;
  r.type = std::move(type);
  return Track(env, tp, std::move(r));
}

Napi::Value CreateGroup(const Napi::CallbackInfo& info, bool publisher) {
  Napi::Env env = info.Env();
  dds_entity_t pp = HandleArg(info, 0);
  Lookup(env, pp);
  QosPtr qos = QosFromJs(env, info[1]);
  EntityGuard h(publisher ? dds_create_publisher(pp, qos.get(), nullptr)
                          : dds_create_subscriber(pp, qos.get(), nullptr));
  Check(env, h.Get(), publisher ? "dds_create_publisher" : "dds_create_subscriber");
  Record r;
  r.parent = pp;
  return Track(env, h, std::move(r));
}

Napi::Value CreatePublisher(const Napi::CallbackInfo& info) { return CreateGroup(info, true); }
Napi::Value CreateSubscriber(const Napi::CallbackInfo& info) { return CreateGroup(info, false); }

Napi::Value CreateEndpoint(const Napi::CallbackInfo& info, bool reader) {
  Napi::Env env = info.Env();
  dds_entity_t parent = HandleArg(info, 0);
  dds_entity_t topic = HandleArg(info, 1);
  Lookup(env, parent);
  std::shared_ptr<TopicType> type = Lookup(env, topic).type;
  QosPtr qos = QosFromJs(env, info[2]);
  OwnedListener st = ListenerState::Create(env, info[3].As<Napi::Function>(), reader);
  EntityGuard h(reader ? dds_create_reader(parent, topic, qos.get(), st->DdsListener())
                       : dds_create_writer(parent, topic, qos.get(), st->DdsListener()));
  Check(env, h.Get(), reader ? "dds_create_reader" : "dds_create_writer");
  // Writes hand Cyclone pre-serialized CDR (dds_forwardcdr), which 0.10 never puts into an iceoryx
  // chunk: readers that also qualify for shared memory would silently receive nothing.
  if (!reader && dds_is_shared_memory_available(h.Get())) {
    ThrowDds(env, DDS_RETCODE_UNSUPPORTED, "dds_create_writer",
             "this writer would use iceoryx shared memory, which @dds/transport cannot write to: "
             "turn SharedMemory off in the CycloneDDS configuration");
  }
  Record r;
  r.parent = parent;
  r.type = std::move(type);
  r.listener = std::move(st);
  if (!reader) r.cancelled = std::make_shared<std::atomic<bool>>(false);
  return Track(env, h, std::move(r));
}

Napi::Value CreateWriter(const Napi::CallbackInfo& info) { return CreateEndpoint(info, false); }
Napi::Value CreateReader(const Napi::CallbackInfo& info) { return CreateEndpoint(info, true); }

Napi::Value Delete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t h = HandleArg(info, 0);
  Lookup(env, h);
  Check(env, Data(env).Delete(h), "dds_delete");
  return env.Undefined();
}

Napi::Value Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t h = HandleArg(info, 0);
  Record& r = Lookup(env, h);
  // A hand-written TypeSupport may return anything; As<> would not check.
  if (!info[1].IsTypedArray() ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "TypeSupport.encode must return a Uint8Array");
  Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
  auto op = static_cast<WriteOp>(info[2].As<Napi::Number>().Int32Value());
  // The TS layer checked the range; without a timestamp the sample is stamped now.
  bool lossless = true;
  const dds_time_t ts =
      info[3].IsBigInt() ? info[3].As<Napi::BigInt>().Int64Value(&lossless) : dds_time();
  if (!lossless) throw Napi::RangeError::New(env, "timestamp does not fit in 64 bits");
  bool typeError = false;
  dds_return_t rc = WriteCdr(h, *r.type, op, bytes.Data(), bytes.ByteLength(), ts, &typeError);
  if (rc < 0) {
    if (typeError) {
      Napi::Error err = Napi::Error::New(env, "sample bytes do not decode as the topic's type");
      err.Set("code", Napi::Number::New(env, rc));
      err.Set("codeName", Napi::String::New(env, RetcodeName(rc)));
      err.Set("typeError", Napi::Boolean::New(env, true));
      throw err;
    }
    ThrowDds(env, rc, "write");
  }
  return env.Undefined();
}

thread_local std::vector<ddsi_serdata*> tlSerdata;
thread_local std::vector<dds_sample_info_t> tlInfo;

Napi::Value Take(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t h = HandleArg(info, 0);
  Lookup(env, h);
  uint32_t max = std::min(info[1].As<Napi::Number>().Uint32Value(), kMaxBatch);
  const bool take = info[2].ToBoolean();
  if (max == 0) max = 1;
  tlSerdata.resize(max);
  tlInfo.resize(max);
  dds_return_t n = take ? dds_takecdr(h, tlSerdata.data(), max, tlInfo.data(), 0)
                        : dds_readcdr(h, tlSerdata.data(), max, tlInfo.data(), 0);
  SerdataRefs refs(tlSerdata, n);
  if (n < 0) ThrowDds(env, n, take ? "dds_takecdr" : "dds_readcdr");
  size_t total = kHeaderBytes + static_cast<size_t>(n) * kInfoBytes;
  for (int32_t i = 0; i < n; i++) total += ddsi_serdata_size(tlSerdata[i]);
  Napi::ArrayBuffer buf = Napi::ArrayBuffer::New(env, total);
  auto* base = static_cast<uint8_t*>(buf.Data());
  uint32_t count = static_cast<uint32_t>(n);
  std::memcpy(base, &count, 4);
  std::memset(base + 4, 0, 4);
  size_t off = kHeaderBytes + static_cast<size_t>(n) * kInfoBytes;
  for (int32_t i = 0; i < n; i++) {
    const dds_sample_info_t& si = tlInfo[i];
    ddsi_serdata* sd = tlSerdata[i];
    const uint32_t size = ddsi_serdata_size(sd);
    ddsi_serdata_to_ser(sd, 0, size, base + off);
    uint8_t* rec = base + kHeaderBytes + static_cast<size_t>(i) * kInfoBytes;
    // Cyclone's state enums are the disjoint read-mask bits (1..64); bit 0 is valid_data.
    const uint32_t flags = (si.valid_data ? 1u : 0u) | ((static_cast<uint32_t>(si.sample_state) |
                                                         static_cast<uint32_t>(si.view_state) |
                                                         static_cast<uint32_t>(si.instance_state))
                                                        << 1);
    const int64_t ts = si.source_timestamp;
    const uint64_t ih = si.instance_handle, ph = si.publication_handle;
    const uint32_t off32 = static_cast<uint32_t>(off), zero = 0;
    std::memcpy(rec, &flags, 4);
    std::memcpy(rec + 4, &size, 4);
    std::memcpy(rec + 8, &ts, 8);
    std::memcpy(rec + 16, &ih, 8);
    std::memcpy(rec + 24, &ph, 8);
    std::memcpy(rec + 32, &off32, 4);
    std::memcpy(rec + 36, &zero, 4);
    off += size;
  }
  return buf;
}

Napi::String Guid(Napi::Env env, const dds_guid_t& g) {
  static const char* hex = "0123456789abcdef";
  char buf[33];
  for (int i = 0; i < 16; i++) {
    buf[2 * i] = hex[g.v[i] >> 4];
    buf[2 * i + 1] = hex[g.v[i] & 15];
  }
  buf[32] = 0;
  return Napi::String::New(env, buf);
}

Napi::Value Blob(Napi::Env env, const void* data, size_t size) {
  auto a = Napi::Uint8Array::New(env, size);
  if (size) std::memcpy(a.Data(), data, size);
  return a;
}

double DurationMs(dds_duration_t d) {
  return d == DDS_INFINITY ? INFINITY : static_cast<double>(d) / 1e6;
}

/** The policies of a discovered entity that matter for matching and for applications. */
Napi::Object QosToJs(Napi::Env env, const dds_qos_t* q) {
  Napi::Object o = Napi::Object::New(env);
  if (q == nullptr) return o;
  auto blob = [&](const char* name, bool (*get)(const dds_qos_t*, void**, size_t*)) {
    void* data = nullptr;
    size_t size = 0;
    const bool present = get(q, &data, &size);
    std::unique_ptr<void, DdsFree> owned(data);
    if (present && size) o.Set(name, Blob(env, data, size));
  };
  blob("userData", dds_qget_userdata);
  blob("topicData", dds_qget_topicdata);
  blob("groupData", dds_qget_groupdata);
  dds_reliability_kind_t rk;
  dds_duration_t d;
  if (dds_qget_reliability(q, &rk, &d)) {
    Napi::Object r = Napi::Object::New(env);
    r.Set("kind", rk == DDS_RELIABILITY_RELIABLE ? "reliable" : "best-effort");
    r.Set("maxBlockingTimeMs", DurationMs(d));
    o.Set("reliability", r);
  }
  dds_durability_kind_t dk;
  if (dds_qget_durability(q, &dk))
    o.Set("durability", dk == DDS_DURABILITY_VOLATILE ? "volatile" : "transient-local");
  if (dds_qget_deadline(q, &d)) o.Set("deadlineMs", DurationMs(d));
  dds_liveliness_kind_t lk;
  if (dds_qget_liveliness(q, &lk, &d)) {
    Napi::Object l = Napi::Object::New(env);
    l.Set("kind", lk == DDS_LIVELINESS_AUTOMATIC               ? "automatic"
                  : lk == DDS_LIVELINESS_MANUAL_BY_PARTICIPANT ? "manual-by-participant"
                                                               : "manual-by-topic");
    l.Set("leaseMs", DurationMs(d));
    o.Set("liveliness", l);
  }
  dds_ownership_kind_t ok;
  if (dds_qget_ownership(q, &ok)) {
    Napi::Object w = Napi::Object::New(env);
    w.Set("kind", ok == DDS_OWNERSHIP_EXCLUSIVE ? "exclusive" : "shared");
    int32_t strength;
    if (ok == DDS_OWNERSHIP_EXCLUSIVE && dds_qget_ownership_strength(q, &strength))
      w.Set("strength", strength);
    o.Set("ownership", w);
  }
  PartitionNames ps;
  if (dds_qget_partition(q, &ps.n, &ps.names)) {
    Napi::Array a = Napi::Array::New(env, ps.n);
    for (uint32_t i = 0; i < ps.n; i++) a.Set(i, ps.names[i]);
    o.Set("partitions", a);
  }
  return o;
}

Napi::Value CreateBuiltinReader(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t pp = HandleArg(info, 0);
  Lookup(env, pp);
  const uint32_t which = info[1].As<Napi::Number>().Uint32Value();
  dds_entity_t topic = which == 1   ? DDS_BUILTIN_TOPIC_DCPSPARTICIPANT
                       : which == 3 ? DDS_BUILTIN_TOPIC_DCPSPUBLICATION
                                    : DDS_BUILTIN_TOPIC_DCPSSUBSCRIPTION;
  QosPtr qos = QosFromJs(env, info[2]);
  OwnedListener st = ListenerState::Create(env, info[3].As<Napi::Function>(), true);
  EntityGuard h(dds_create_reader(pp, topic, qos.get(), st->DdsListener()));
  Check(env, h.Get(), "dds_create_reader");
  Record r;
  r.parent = pp;
  r.builtin = which;
  r.listener = std::move(st);
  return Track(env, h, std::move(r));
}

/** Takes built-in topic samples as JS objects (discovery data: not a hot path). */
Napi::Value TakeBuiltin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t h = HandleArg(info, 0);
  Record& rec = Lookup(env, h);
  if (!rec.builtin) throw Napi::TypeError::New(env, "not a built-in topic reader");
  uint32_t max = std::min(std::max(info[1].As<Napi::Number>().Uint32Value(), 1u), kMaxBatch);
  const bool take = info[2].ToBoolean();
  std::vector<void*> bufs(max, nullptr);
  std::vector<dds_sample_info_t> si(max);
  dds_return_t n = take ? dds_take(h, bufs.data(), si.data(), max, max)
                        : dds_read(h, bufs.data(), si.data(), max, max);
  SampleLoan loan(h, bufs, n);
  if (n < 0) ThrowDds(env, n, take ? "dds_take" : "dds_read");
  Napi::Array out = Napi::Array::New(env, static_cast<size_t>(n));
  for (int32_t i = 0; i < n; i++) {
    Napi::Object s = Napi::Object::New(env);
    const uint32_t flags =
        (si[i].valid_data ? 1u : 0u) |
        ((static_cast<uint32_t>(si[i].sample_state) | static_cast<uint32_t>(si[i].view_state) |
          static_cast<uint32_t>(si[i].instance_state))
         << 1);
    s.Set("flags", flags);
    s.Set("sourceTimestamp", Napi::BigInt::New(env, static_cast<int64_t>(si[i].source_timestamp)));
    s.Set("instanceHandle", Napi::BigInt::New(env, static_cast<uint64_t>(si[i].instance_handle)));
    s.Set("publicationHandle",
          Napi::BigInt::New(env, static_cast<uint64_t>(si[i].publication_handle)));
    Napi::Object d = Napi::Object::New(env);
    if (rec.builtin == 1) {
      auto* p = static_cast<dds_builtintopic_participant_t*>(bufs[i]);
      d.Set("key", Guid(env, p->key));
      if (si[i].valid_data) d.Set("qos", QosToJs(env, p->qos));
    } else {
      auto* e = static_cast<dds_builtintopic_endpoint_t*>(bufs[i]);
      d.Set("key", Guid(env, e->key));
      if (si[i].valid_data) {
        d.Set("participantKey", Guid(env, e->participant_key));
        d.Set("participantInstanceHandle",
              Napi::BigInt::New(env, static_cast<uint64_t>(e->participant_instance_handle)));
        d.Set("topicName", e->topic_name ? e->topic_name : "");
        d.Set("typeName", e->type_name ? e->type_name : "");
        d.Set("qos", QosToJs(env, e->qos));
      }
    }
    s.Set("data", d);
    out.Set(static_cast<uint32_t>(i), s);
  }
  return out;
}

Napi::Value TakeStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Record& r = Lookup(env, HandleArg(info, 0));
  if (!r.listener) throw Napi::TypeError::New(env, "entity has no statuses");
  return r.listener->TakeStatus(env, info[1].As<Napi::Number>().Uint32Value());
}

Napi::Value MatchedCount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t h = HandleArg(info, 0);
  Lookup(env, h);
  dds_return_t n = info[1].ToBoolean() ? dds_get_matched_publications(h, nullptr, 0)
                                       : dds_get_matched_subscriptions(h, nullptr, 0);
  Check(env, n, "dds_get_matched");
  return Napi::Number::New(env, n);
}

Napi::Value Flush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t h = HandleArg(info, 0);
  Lookup(env, h);
  dds_write_flush(h);
  return env.Undefined();
}

Napi::Value AssertLiveliness(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t h = HandleArg(info, 0);
  Lookup(env, h);
  Check(env, dds_assert_liveliness(h), "dds_assert_liveliness");
  return env.Undefined();
}

Napi::Value SetRef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Record& r = Lookup(env, HandleArg(info, 0));
  if (r.listener) r.listener->SetRef(env, info[1].ToBoolean());
  return env.Undefined();
}

Napi::Value InstanceHandle(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t h = HandleArg(info, 0);
  Lookup(env, h);
  dds_instance_handle_t ih = 0;
  Check(env, dds_get_instance_handle(h, &ih), "dds_get_instance_handle");
  return Napi::BigInt::New(env, static_cast<uint64_t>(ih));
}

/** dds_wait_for_acks off the JS thread, in slices so that closing the writer ends it promptly. */
class WaitForAcksWorker : public Napi::AsyncWorker {
 public:
  WaitForAcksWorker(Napi::Env env, dds_entity_t writer, dds_duration_t timeout,
                    std::shared_ptr<std::atomic<bool>> cancelled)
      : Napi::AsyncWorker(env, "dds-transport:waitForAcks"),
        deferred_(Napi::Promise::Deferred::New(env)),
        writer_(writer),
        timeout_(timeout),
        cancelled_(std::move(cancelled)) {}
  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    constexpr dds_duration_t kSlice = DDS_MSECS(50);
    const dds_time_t deadline = timeout_ == DDS_INFINITY ? DDS_NEVER : dds_time() + timeout_;
    for (;;) {
      if (cancelled_->load()) {
        rc_ = DDS_RETCODE_ALREADY_DELETED;
        return;
      }
      const dds_time_t now = dds_time();
      const dds_duration_t left = deadline == DDS_NEVER ? kSlice : deadline - now;
      rc_ = dds_wait_for_acks(writer_, std::max<dds_duration_t>(0, std::min(left, kSlice)));
      if (rc_ != DDS_RETCODE_TIMEOUT || (deadline != DDS_NEVER && dds_time() >= deadline)) return;
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (rc_ >= 0) {
      deferred_.Resolve(env.Undefined());
      return;
    }
    const char* name = RetcodeName(rc_);
    Napi::Error err = Napi::Error::New(env, std::string("dds_wait_for_acks: ") + name);
    err.Set("code", Napi::Number::New(env, rc_));
    err.Set("codeName", Napi::String::New(env, name));
    deferred_.Reject(err.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  dds_entity_t writer_;
  dds_duration_t timeout_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  dds_return_t rc_ = DDS_RETCODE_OK;
};

Napi::Value WaitForAcks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  dds_entity_t h = HandleArg(info, 0);
  Record& r = Lookup(env, h);
  if (!r.cancelled) throw Napi::TypeError::New(env, "not a writer");
  auto* w = new WaitForAcksWorker(env, h, MsToDuration(info[1].As<Napi::Number>().DoubleValue()),
                                  r.cancelled);
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace

dds_return_t AddonData::Delete(dds_entity_t h) {
  std::vector<dds_entity_t> doomed{h};
  for (size_t i = 0; i < doomed.size(); i++)
    for (auto& kv : records)
      if (kv.second.parent == doomed[i]) doomed.push_back(kv.first);
  for (dds_entity_t d : doomed) {
    auto it = records.find(d);
    if (it != records.end() && it->second.cancelled) it->second.cancelled->store(true);
  }
  // Deleting an entity deletes its children and waits for their listener calls to return, so
  // afterwards no DDS thread can ring a doorbell and the tsfns can go.
  dds_return_t rc = dds_delete(h);
  if (rc < 0 && rc != DDS_RETCODE_ALREADY_DELETED) return rc;
  auto self = records.find(h);
  const dds_entity_t domain = self == records.end() ? 0 : self->second.ownDomain;
  const dds_domainid_t domainId = self == records.end() ? 0 : self->second.domainId;
  // Erasing a record drops its OwnedListener, which releases the doorbell.
  for (dds_entity_t d : doomed) records.erase(d);
  // An explicitly created domain is shared by every participant of that domain id in the process
  // (other workers' too); delete it only when the last of them is gone.
  if (domain > 0) {
    if (dds_lookup_participant(domainId, nullptr, 0) == 0) dds_delete(domain);
  }
  return rc == DDS_RETCODE_ALREADY_DELETED ? DDS_RETCODE_OK : rc;
}

AddonData::~AddonData() {
  std::vector<dds_entity_t> roots;
  for (auto& kv : records)
    if (kv.second.parent == 0) roots.push_back(kv.first);
  for (dds_entity_t h : roots) Delete(h);
}

AddonData& Data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

Record& Lookup(Napi::Env env, dds_entity_t h) {
  auto& recs = Data(env).records;
  auto it = recs.find(h);
  if (it == recs.end()) ThrowDds(env, DDS_RETCODE_ALREADY_DELETED, "entity");
  return it->second;
}

void InitEntities(Napi::Env env, Napi::Object exports) {
  exports.Set("createParticipant", Napi::Function::New(env, CreateParticipant));
  exports.Set("createTopic", Napi::Function::New(env, CreateTopic));
  exports.Set("createPublisher", Napi::Function::New(env, CreatePublisher));
  exports.Set("createSubscriber", Napi::Function::New(env, CreateSubscriber));
  exports.Set("createWriter", Napi::Function::New(env, CreateWriter));
  exports.Set("createReader", Napi::Function::New(env, CreateReader));
  exports.Set("deleteEntity", Napi::Function::New(env, Delete));
  exports.Set("write", Napi::Function::New(env, Write));
  exports.Set("take", Napi::Function::New(env, Take));
  exports.Set("takeStatus", Napi::Function::New(env, TakeStatus));
  exports.Set("matchedCount", Napi::Function::New(env, MatchedCount));
  exports.Set("assertLiveliness", Napi::Function::New(env, AssertLiveliness));
  exports.Set("flush", Napi::Function::New(env, Flush));
  exports.Set("setRef", Napi::Function::New(env, SetRef));
  exports.Set("instanceHandle", Napi::Function::New(env, InstanceHandle));
  exports.Set("waitForAcks", Napi::Function::New(env, WaitForAcks));
  exports.Set("createBuiltinReader", Napi::Function::New(env, CreateBuiltinReader));
  exports.Set("takeBuiltin", Napi::Function::New(env, TakeBuiltin));
}

}  // namespace ddsjs
