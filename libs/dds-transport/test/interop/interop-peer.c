/*
 * A native CycloneDDS peer for the interop tests, built at test time from
 * test/fixtures/interop.idl with idlc and cc:
 *
 *   interop-peer pub|sub reading|status|command <domain> <topic> <count>
 *
 * pub: waits for a reader, writes <count> deterministic samples (the TS test computes the same
 *      ones), disposes the first instance, waits for acks and exits.
 * sub: prints every sample its own dds_take returns as one JSON line, exits after <count>.
 * Either gives up with exit code 3 after 30 s, so a broken peer never hangs the test.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dds/dds.h"
#include "interop.h"

#define CHECK(x)                                                                 \
  do {                                                                           \
    if ((x) < 0) {                                                               \
      fprintf(stderr, "%s failed: %s\n", #x, dds_strretcode((dds_return_t)(x))); \
      exit(2);                                                                   \
    }                                                                            \
  } while (0)

static void json_string(const char* s) {
  putchar('"');
  for (const unsigned char* p = (const unsigned char*)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

static void make_reading(interop_Reading* r, int i, char* idbuf) {
  memset(r, 0, sizeof(*r));
  snprintf(idbuf, 64, "sensor-with-a-long-identifier-%03d", i / 3);
  r->sensor_id = idbuf;
  r->channel = i % 3;
  r->value = i * 1.5 - 2.25;
  r->stamp = INT64_C(1700000000000000000) + i;
  r->level = (interop_Level)(i % 3);
  r->history._length = r->history._maximum = (uint32_t)(i % 4);
  r->history._buffer = dds_alloc(sizeof(int32_t) * 4);
  for (uint32_t k = 0; k < r->history._length; k++) r->history._buffer[k] = i * 10 + (int32_t)k - 5;
  snprintf(r->unit, sizeof(r->unit), "unit-%d", i);
  for (int k = 0; k < 4; k++) r->tag[k] = (uint8_t)(i + k * 60);
}

static double loads[64];
static void make_status(interop_Status* s, int i, char* idbuf, char* statebuf, char** models) {
  memset(s, 0, sizeof(*s));
  snprintf(idbuf, 64, "agent-%02d-with-a-long-name", i);
  snprintf(statebuf, 64, i % 2 ? "busy" : "idle");
  s->agent_id = idbuf;
  s->state = statebuf;
  s->models._length = s->models._maximum = (uint32_t)(i % 3);
  s->models._buffer = models;
  for (uint32_t k = 0; k < s->models._length; k++) {
    models[k] = dds_alloc(16);
    snprintf(models[k], 16, "model-%d", (int)k);
  }
  loads[i % 64] = i * 0.25;
  s->load = (i % 2) ? &loads[i % 64] : NULL;
}

static double weights[4];
static char textbuf[64];
static void make_command(interop_Command* c, int i, char* idbuf, char* notebuf) {
  memset(c, 0, sizeof(*c));
  snprintf(idbuf, 64, "command-target-%02d-with-a-long-name", i);
  c->target_id = idbuf;
  snprintf(notebuf, 64, "note %d", i);
  c->note = (i % 3 == 0) ? NULL : notebuf;
  c->weights._length = c->weights._maximum = (uint32_t)(i % 4);
  c->weights._buffer = weights;
  for (uint32_t k = 0; k < c->weights._length; k++) weights[k] = i + k * 0.5;
  c->payload._d = (int16_t)(i % 3 == 0 ? 1 : i % 3 == 1 ? 2 : 7 + i);
  if (c->payload._d == 1)
    c->payload._u.count = i * 100;
  else if (c->payload._d == 2) {
    snprintf(textbuf, sizeof(textbuf), "text-%d", i);
    c->payload._u.text = textbuf;
  } else
    c->payload._u.value = i / 4.0;
  c->serial = UINT64_C(18446744073709551000) + (uint64_t)i;
}

static void print_command(const interop_Command* c) {
  printf("{\"target_id\":");
  json_string(c->target_id);
  if (c->note) {
    printf(",\"note\":");
    json_string(c->note);
  }
  printf(",\"weights\":[");
  for (uint32_t k = 0; k < c->weights._length; k++)
    printf("%s%.17g", k ? "," : "", c->weights._buffer[k]);
  printf("],\"payload\":{\"discriminator\":%d", c->payload._d);
  if (c->payload._d == 1)
    printf(",\"count\":%" PRId32, c->payload._u.count);
  else if (c->payload._d == 2) {
    printf(",\"text\":");
    json_string(c->payload._u.text);
  } else
    printf(",\"value\":%.17g", c->payload._u.value);
  printf("},\"serial\":\"%" PRIu64 "\"}\n", c->serial);
}

static void print_reading(const interop_Reading* r) {
  printf("{\"sensor_id\":");
  json_string(r->sensor_id);
  printf(",\"channel\":%" PRId32 ",\"value\":%.17g,\"stamp\":\"%" PRId64
         "\",\"level\":%d,\"history\":[",
         r->channel, r->value, r->stamp, (int)r->level);
  for (uint32_t k = 0; k < r->history._length; k++)
    printf("%s%" PRId32, k ? "," : "", r->history._buffer[k]);
  printf("],\"unit\":");
  json_string(r->unit);
  printf(",\"tag\":[%d,%d,%d,%d]}\n", r->tag[0], r->tag[1], r->tag[2], r->tag[3]);
}

static void print_status(const interop_Status* s) {
  printf("{\"agent_id\":");
  json_string(s->agent_id);
  printf(",\"state\":");
  json_string(s->state);
  printf(",\"models\":[");
  for (uint32_t k = 0; k < s->models._length; k++) {
    if (k) putchar(',');
    json_string(s->models._buffer[k]);
  }
  printf("]");
  if (s->load) printf(",\"load\":%.17g", *s->load);
  printf("}\n");
}

int main(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s pub|sub reading|status domain topic count\n", argv[0]);
    return 1;
  }
  const int pub = strcmp(argv[1], "pub") == 0;
  const int reading = strcmp(argv[2], "reading") == 0;
  const int command = strcmp(argv[2], "command") == 0;
  const dds_domainid_t domain = (dds_domainid_t)atoi(argv[3]);
  const int count = atoi(argv[5]);
  const dds_time_t deadline = dds_time() + DDS_SECS(30);

  dds_entity_t pp = dds_create_participant(domain, NULL, NULL);
  CHECK(pp);
  const dds_topic_descriptor_t* desc = reading   ? &interop_Reading_desc
                                       : command ? &interop_Command_desc
                                                 : &interop_Status_desc;
  dds_entity_t tp = dds_create_topic(pp, desc, argv[4], NULL, NULL);
  CHECK(tp);
  dds_qos_t* qos = dds_create_qos();
  dds_qset_reliability(qos, DDS_RELIABILITY_RELIABLE, DDS_SECS(10));
  dds_qset_history(qos, DDS_HISTORY_KEEP_ALL, 0);
  dds_entity_t ws = dds_create_waitset(pp);
  CHECK(ws);

  if (pub) {
    dds_entity_t wr = dds_create_writer(pp, tp, qos, NULL);
    CHECK(wr);
    CHECK(dds_set_status_mask(wr, DDS_PUBLICATION_MATCHED_STATUS));
    CHECK(dds_waitset_attach(ws, wr, 0));
    dds_publication_matched_status_t st = {0};
    while (st.current_count == 0) {
      if (dds_time() > deadline) {
        fprintf(stderr, "no reader matched\n");
        return 3;
      }
      (void)dds_waitset_wait(ws, NULL, 0, DDS_MSECS(200));
      CHECK(dds_get_publication_matched_status(wr, &st));
    }
    char idbuf[64], statebuf[64], notebuf[64];
    char* models[4];
    for (int i = 0; i < count; i++) {
      if (reading) {
        interop_Reading r;
        make_reading(&r, i, idbuf);
        CHECK(dds_write(wr, &r));
        dds_free(r.history._buffer);
      } else if (command) {
        interop_Command c;
        make_command(&c, i, idbuf, notebuf);
        CHECK(dds_write(wr, &c));
      } else {
        interop_Status s;
        make_status(&s, i, idbuf, statebuf, models);
        CHECK(dds_write(wr, &s));
        for (uint32_t k = 0; k < s.models._length; k++) dds_free(models[k]);
      }
    }
    if (reading) {
      interop_Reading r;
      make_reading(&r, 0, idbuf);
      CHECK(dds_dispose(wr, &r));
      dds_free(r.history._buffer);
    } else if (command) {
      interop_Command c;
      make_command(&c, 0, idbuf, notebuf);
      CHECK(dds_dispose(wr, &c));
    } else {
      interop_Status s;
      make_status(&s, 0, idbuf, statebuf, models);
      CHECK(dds_dispose(wr, &s));
    }
    CHECK(dds_wait_for_acks(wr, DDS_SECS(10)));
    printf("DONE\n");
  } else {
    dds_entity_t rd = dds_create_reader(pp, tp, qos, NULL);
    CHECK(rd);
    CHECK(dds_set_status_mask(rd, DDS_DATA_AVAILABLE_STATUS));
    CHECK(dds_waitset_attach(ws, rd, 0));
    printf("READY\n");
    fflush(stdout);
    int got = 0;
    void* samples[16] = {0};
    dds_sample_info_t infos[16];
    while (got < count) {
      if (dds_time() > deadline) {
        fprintf(stderr, "only %d of %d samples\n", got, count);
        return 3;
      }
      (void)dds_waitset_wait(ws, NULL, 0, DDS_MSECS(200));
      dds_return_t n;
      while ((n = dds_take(rd, samples, infos, 16, 16)) > 0) {
        for (int k = 0; k < n; k++) {
          if (!infos[k].valid_data) continue;
          if (reading)
            print_reading(samples[k]);
          else if (command)
            print_command(samples[k]);
          else
            print_status(samples[k]);
          got++;
        }
        CHECK(dds_return_loan(rd, samples, n));
      }
      CHECK(n);
    }
  }
  fflush(stdout);
  dds_delete_qos(qos);
  CHECK(dds_delete(pp));
  return 0;
}
