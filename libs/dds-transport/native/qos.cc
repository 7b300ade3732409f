// QoS from the plain object of the TS `Qos` interface. The TS layer has validated every field, so
// this only translates; absent fields keep Cyclone's defaults.
#include <cmath>

#include "common.h"

namespace ddsjs {
namespace {

bool Has(const Napi::Object& o, const char* k) {
  return o.Has(k) && !o.Get(k).IsUndefined() && !o.Get(k).IsNull();
}

double Num(const Napi::Object& o, const char* k, double dflt) {
  return Has(o, k) ? o.Get(k).As<Napi::Number>().DoubleValue() : dflt;
}

std::string Str(const Napi::Object& o, const char* k) {
  return o.Get(k).As<Napi::String>().Utf8Value();
}

int32_t Limit(const Napi::Object& o, const char* k) {
  if (!Has(o, k)) return DDS_LENGTH_UNLIMITED;
  double v = o.Get(k).As<Napi::Number>().DoubleValue();
  return std::isfinite(v) ? static_cast<int32_t>(v) : DDS_LENGTH_UNLIMITED;
}

}  // namespace

QosPtr QosFromJs(Napi::Env env, Napi::Value v) {
  if (v.IsUndefined() || v.IsNull()) return nullptr;
  Napi::Object o = v.As<Napi::Object>();
  QosPtr q(dds_create_qos());
  dds_qos_t* qos = q.get();

  if (Has(o, "reliability")) {
    Napi::Object r = o.Get("reliability").As<Napi::Object>();
    bool reliable = Str(r, "kind") == "reliable";
    dds_qset_reliability(qos, reliable ? DDS_RELIABILITY_RELIABLE : DDS_RELIABILITY_BEST_EFFORT,
                         MsToDuration(Num(r, "maxBlockingTimeMs", 100)));
  }
  if (Has(o, "durability")) {
    std::string d = o.Get("durability").As<Napi::String>().Utf8Value();
    dds_qset_durability(
        qos, d == "transient-local" ? DDS_DURABILITY_TRANSIENT_LOCAL : DDS_DURABILITY_VOLATILE);
  }
  if (Has(o, "history")) {
    Napi::Object h = o.Get("history").As<Napi::Object>();
    if (Str(h, "kind") == "keep-all")
      dds_qset_history(qos, DDS_HISTORY_KEEP_ALL, 1);
    else
      dds_qset_history(qos, DDS_HISTORY_KEEP_LAST, static_cast<int32_t>(Num(h, "depth", 1)));
  }
  if (Has(o, "deadlineMs")) dds_qset_deadline(qos, MsToDuration(Num(o, "deadlineMs", 0)));
  if (Has(o, "latencyBudgetMs"))
    dds_qset_latency_budget(qos, MsToDuration(Num(o, "latencyBudgetMs", 0)));
  if (Has(o, "lifespanMs")) dds_qset_lifespan(qos, MsToDuration(Num(o, "lifespanMs", 0)));
  if (Has(o, "liveliness")) {
    Napi::Object l = o.Get("liveliness").As<Napi::Object>();
    std::string k = Str(l, "kind");
    dds_liveliness_kind_t kind = k == "manual-by-participant" ? DDS_LIVELINESS_MANUAL_BY_PARTICIPANT
                                 : k == "manual-by-topic"     ? DDS_LIVELINESS_MANUAL_BY_TOPIC
                                                              : DDS_LIVELINESS_AUTOMATIC;
    dds_qset_liveliness(qos, kind, MsToDuration(Num(l, "leaseMs", INFINITY)));
  }
  if (Has(o, "ownership")) {
    Napi::Object w = o.Get("ownership").As<Napi::Object>();
    bool exclusive = Str(w, "kind") == "exclusive";
    dds_qset_ownership(qos, exclusive ? DDS_OWNERSHIP_EXCLUSIVE : DDS_OWNERSHIP_SHARED);
    if (exclusive && Has(w, "strength"))
      dds_qset_ownership_strength(qos, static_cast<int32_t>(Num(w, "strength", 0)));
  }
  if (Has(o, "resourceLimits")) {
    Napi::Object r = o.Get("resourceLimits").As<Napi::Object>();
    dds_qset_resource_limits(qos, Limit(r, "maxSamples"), Limit(r, "maxInstances"),
                             Limit(r, "maxSamplesPerInstance"));
  }
  auto blob = [&](const char* k, void (*set)(dds_qos_t*, const void*, size_t)) {
    if (!Has(o, k)) return;
    Napi::Uint8Array a = o.Get(k).As<Napi::Uint8Array>();
    set(qos, a.ByteLength() ? a.Data() : nullptr, a.ByteLength());
  };
  blob("userData", dds_qset_userdata);
  blob("topicData", dds_qset_topicdata);
  blob("groupData", dds_qset_groupdata);
  if (Has(o, "dataRepresentation")) {
    Napi::Array a = o.Get("dataRepresentation").As<Napi::Array>();
    std::vector<dds_data_representation_id_t> ids;
    for (uint32_t i = 0; i < a.Length(); i++) {
      std::string s = a.Get(i).As<Napi::String>().Utf8Value();
      ids.push_back(s == "XCDR2" ? DDS_DATA_REPRESENTATION_XCDR2 : DDS_DATA_REPRESENTATION_XCDR1);
    }
    dds_qset_data_representation(qos, static_cast<uint32_t>(ids.size()), ids.data());
  }
  if (Has(o, "writerDataLifecycle")) {
    Napi::Object w = o.Get("writerDataLifecycle").As<Napi::Object>();
    dds_qset_writer_data_lifecycle(qos, w.Get("autodisposeUnregisteredInstances").ToBoolean());
  }
  if (Has(o, "partitions")) {
    Napi::Array a = o.Get("partitions").As<Napi::Array>();
    std::vector<std::string> names;
    std::vector<const char*> ptrs;
    for (uint32_t i = 0; i < a.Length(); i++) names.push_back(a.Get(i).As<Napi::String>());
    for (auto& n : names) ptrs.push_back(n.c_str());
    dds_qset_partition(qos, static_cast<uint32_t>(ptrs.size()), ptrs.data());
  }
  // Participant properties (`dds.sec.*` for DDS Security). Internal: the TS layer builds and
  // validates them from the participant's `security` option.
  if (Has(o, "properties")) {
    Napi::Object props = o.Get("properties").As<Napi::Object>();
    Napi::Array names = props.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); i++) {
      std::string name = names.Get(i).As<Napi::String>();
      std::string value = props.Get(name).As<Napi::String>();
      dds_qset_prop(qos, name.c_str(), value.c_str());
    }
  }
  (void)env;
  return q;
}

}  // namespace ddsjs
