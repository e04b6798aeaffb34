// deploy/k8s and deploy/compose: every YAML document parses; the manifests
// carry what operators rely on (probes, non-root, replicas, budgets); the
// compose file passes docker-compose's own check; the shipped daemon configs
// pass --check-config; the Redis ConfigMap is deploy/redis/redis.conf.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>
#include <set>

#include "deploy/deploy_support.hpp"

namespace caseroute::deploy_test {
namespace {

std::vector<YAML::Node> documents(const std::string& relative) { return YAML::LoadAllFromFile(source_path(relative)); }

std::vector<std::string> k8s_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(source_path("deploy/k8s")))
    if (e.path().extension() == ".yaml") out.push_back("deploy/k8s/" + e.path().filename().string());
  return out;
}

// kind/name -> document, across deploy/k8s.
std::map<std::string, YAML::Node> k8s_objects() {
  std::map<std::string, YAML::Node> out;
  for (const auto& f : k8s_files())
    for (const auto& d : documents(f))
      if (d["kind"].as<std::string>() != "Kustomization")
        out[d["kind"].as<std::string>() + "/" + d["metadata"]["name"].as<std::string>()] = d;
  return out;
}

TEST(k8s, every_document_has_kind_api_version_and_name) {
  const auto files = k8s_files();
  ASSERT_GE(files.size(), 8u);
  for (const auto& f : files) {
    const auto docs = documents(f);
    ASSERT_FALSE(docs.empty()) << f;
    for (const auto& d : docs) {
      ASSERT_TRUE(d.IsMap()) << f;
      EXPECT_TRUE(d["apiVersion"] && !d["apiVersion"].as<std::string>().empty()) << f;
      const auto kind = d["kind"].as<std::string>("");
      EXPECT_FALSE(kind.empty()) << f;
      if (kind == "Kustomization") continue;
      EXPECT_FALSE(d["metadata"]["name"].as<std::string>("").empty()) << f;
      if (kind != "Namespace") {
        EXPECT_EQ(d["metadata"]["namespace"].as<std::string>(""), "caseroute") << f;
      }
    }
  }
}

TEST(k8s, kustomization_lists_every_manifest_but_the_secret_placeholder) {
  std::set<std::string> listed;
  for (const auto& r : documents("deploy/k8s/kustomization.yaml")[0]["resources"]) listed.insert(r.as<std::string>());
  for (const auto& f : k8s_files()) {
    const auto name = std::filesystem::path(f).filename().string();
    if (name == "kustomization.yaml") continue;
    // A placeholder Secret applied by accident would replace the real keys.
    EXPECT_EQ(listed.count(name), name == "secret.yaml" ? 0u : 1u) << name;
  }
}

TEST(k8s, deployment_probes_runs_non_root_and_outlives_the_drain) {
  auto objects = k8s_objects();
  ASSERT_TRUE(objects.count("Deployment/caseroute"));
  const auto spec = objects["Deployment/caseroute"]["spec"];
  EXPECT_GE(spec["replicas"].as<int>(), 2);
  const auto pod = spec["template"]["spec"];
  ASSERT_EQ(pod["containers"].size(), 1u);
  const auto c = pod["containers"][0];
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/readyz");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["port"].as<int>(), 8355);
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["path"].as<std::string>(), "/healthz");
  EXPECT_EQ(c["livenessProbe"]["httpGet"]["port"].as<int>(), 8355);
  EXPECT_TRUE(c["startupProbe"]["httpGet"]);
  EXPECT_EQ(c["ports"][0]["containerPort"].as<int>(), 8355);
  EXPECT_TRUE(pod["securityContext"]["runAsNonRoot"].as<bool>());
  EXPECT_TRUE(c["securityContext"]["runAsNonRoot"].as<bool>());
  EXPECT_TRUE(c["securityContext"]["readOnlyRootFilesystem"].as<bool>());
  EXPECT_FALSE(c["securityContext"]["allowPrivilegeEscalation"].as<bool>());
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"][0].as<std::string>(), "ALL");
  EXPECT_TRUE(c["resources"]["requests"] && c["resources"]["limits"]["memory"]);
  // preStop sleep + server.shutdown_grace (10 s) must fit in the grace period.
  EXPECT_GT(pod["terminationGracePeriodSeconds"].as<int>(), 5 + 10);
}

TEST(k8s, service_budget_and_redis_are_there) {
  auto objects = k8s_objects();
  EXPECT_EQ(objects["Service/caseroute"]["spec"]["ports"][0]["port"].as<int>(), 8355);
  EXPECT_EQ(objects["PodDisruptionBudget/caseroute"]["spec"]["minAvailable"].as<int>(), 1);
  ASSERT_TRUE(objects.count("StatefulSet/redis"));
  EXPECT_TRUE(objects["StatefulSet/redis"]["spec"]["volumeClaimTemplates"][0]);
  EXPECT_TRUE(objects.count("NetworkPolicy/redis-from-caseroute-only"));
  // The ConfigMap's copy must not drift from the tested production file.
  EXPECT_EQ(objects["ConfigMap/redis-config"]["data"]["redis.conf"].as<std::string>(),
            read_file(source_path("deploy/redis/redis.conf")));
}

TEST(k8s, secret_holds_placeholders_only) {
  const auto secret = k8s_objects()["Secret/caseroute-secrets"];
  for (const auto& kv : secret["stringData"])
    EXPECT_EQ(kv.second.as<std::string>().rfind("REPLACE", 0), 0u) << kv.first.as<std::string>();
  EXPECT_FALSE(secret["data"]) << "base64 data: is where real keys hide";
}

TEST(k8s, config_map_config_passes_check_config) {
  const auto cfg = k8s_objects()["ConfigMap/caseroute-config"]["data"]["caseroute.yaml"].as<std::string>();
  EXPECT_NE(cfg.find("listen: \"0.0.0.0:8355\""), std::string::npos);
  const auto dir = make_temp_dir();
  const auto r = check_config(cfg, {"/run/secrets/caseroute/data.key", "/run/secrets/caseroute/henan-12355.key"}, dir);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST(compose, passes_docker_compose_config) {
  // docker-compose 1.29 validates the file against its schema without an engine.
  const auto r = run("docker-compose -f " + quote(source_path("deploy/compose/compose.yaml")) + " config -q");
  EXPECT_EQ(r.status, 0) << r.output;
}

// A map with its YAML merge key (<<: *anchor) applied: yaml-cpp 0.7 keeps
// "<<" as an ordinary key, docker-compose merges it.
YAML::Node merged(const YAML::Node& map) {
  YAML::Node out;
  if (map["<<"])
    for (const auto& kv : map["<<"]) out[kv.first.as<std::string>()] = kv.second;
  for (const auto& kv : map)
    if (kv.first.as<std::string>() != "<<") out[kv.first.as<std::string>()] = kv.second;
  return out;
}

TEST(compose, redis_two_replicas_and_a_load_balancer_on_readyz) {
  const auto doc = documents("deploy/compose/compose.yaml");
  ASSERT_EQ(doc.size(), 1u);
  const auto services = doc[0]["services"];
  int replicas = 0;
  for (const auto& s : services) {
    const auto svc = merged(s.second);
    if (svc["image"].as<std::string>("").rfind("caseroute", 0) != 0) continue;
    ++replicas;
    EXPECT_EQ(svc["secrets"].size(), 2u);
    EXPECT_TRUE(svc["read_only"].as<bool>());
    EXPECT_EQ(svc["volumes"][0].as<std::string>(), "./caseroute.yaml:/etc/caseroute/caseroute.yaml:ro");
  }
  EXPECT_EQ(replicas, 2);
  EXPECT_NE(services["redis"]["volumes"][0].as<std::string>().find("../redis/redis.conf:"), std::string::npos);
  EXPECT_EQ(services["lb"]["image"].as<std::string>("").rfind("haproxy", 0), 0u);
  // Secrets come from files, never inline values.
  for (const auto& s : doc[0]["secrets"]) EXPECT_TRUE(s.second["file"]) << s.first.as<std::string>();
  const auto haproxy = read_file(source_path("deploy/compose/haproxy.cfg"));
  EXPECT_NE(haproxy.find("uri /readyz"), std::string::npos);
  EXPECT_NE(haproxy.find("server caseroute-1 caseroute-1:8355"), std::string::npos);
  EXPECT_NE(haproxy.find("server caseroute-2 caseroute-2:8355"), std::string::npos);
}

TEST(compose, config_passes_check_config) {
  const auto cfg = read_file(source_path("deploy/compose/caseroute.yaml"));
  EXPECT_NE(cfg.find("url: redis://redis:6379/0"), std::string::npos);
  const auto dir = make_temp_dir();
  const auto r = check_config(cfg, {"/run/secrets/caseroute_data_key", "/run/secrets/caseroute_henan_key"}, dir);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.status, 0) << r.output;
}

}  // namespace
}  // namespace caseroute::deploy_test
