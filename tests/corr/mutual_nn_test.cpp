// Tests of the one-pass tiled mutual nearest neighbours (core/corr/mutual_nn).
#include <QtTest>

#include <torch/torch.h>

#include "core/corr/mutual_nn.h"
#include "core/util/error.h"
#include "tests/corr/synthetic_maps.h"

using namespace corrlens;

namespace {

// Brute force: the full similarity matrix and argmax both ways.
NearestNeighbors BruteForce(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor sim = torch::mm(a, b.t());
  NearestNeighbors r;
  std::tie(r.a_to_b_score, r.a_to_b) = sim.max(1);
  std::tie(r.b_to_a_score, r.b_to_a) = sim.max(0);
  r.mutual = r.b_to_a.index_select(0, r.a_to_b) == torch::arange(a.size(0));
  return r;
}

// Brute force with plain loops: the full similarity matrix, then the first
// maximum of every row and column (what argmax returns).
NearestNeighbors LoopArgmax(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor sim = torch::mm(a, b.t()).contiguous();
  const int64_t n = sim.size(0), m = sim.size(1);
  auto s = sim.accessor<float, 2>();
  NearestNeighbors r;
  r.a_to_b = torch::zeros({n}, torch::kInt64);
  r.a_to_b_score = torch::empty({n});
  r.b_to_a = torch::zeros({m}, torch::kInt64);
  r.b_to_a_score = torch::empty({m});
  for (int64_t i = 0; i < n; ++i) {
    int64_t best = 0;
    for (int64_t j = 1; j < m; ++j)
      if (s[i][j] > s[i][best]) best = j;
    r.a_to_b[i] = best;
    r.a_to_b_score[i] = s[i][best];
  }
  for (int64_t j = 0; j < m; ++j) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; ++i)
      if (s[i][j] > s[best][j]) best = i;
    r.b_to_a[j] = best;
    r.b_to_a_score[j] = s[best][j];
  }
  r.mutual = r.b_to_a.index_select(0, r.a_to_b) == torch::arange(n);
  return r;
}

void ExpectEqual(const NearestNeighbors& got, const NearestNeighbors& want, const char* what) {
  QVERIFY2(torch::equal(got.a_to_b, want.a_to_b), what);
  QVERIFY2(torch::equal(got.b_to_a, want.b_to_a), what);
  QVERIFY2(torch::equal(got.a_to_b_score, want.a_to_b_score), what);
  QVERIFY2(torch::equal(got.b_to_a_score, want.b_to_a_score), what);
  QVERIFY2(torch::equal(got.mutual, want.mutual), what);
}

}  // namespace

class MutualNNTest : public QObject {
  Q_OBJECT

 private slots:
  void TiledEqualsBruteForceWithTies() {
    // Small integers: every dot product is exact and ties are common, so the
    // lowest-index rule must hold across tile borders.
    torch::manual_seed(8);
    const at::Tensor a = torch::randint(-2, 3, {301, 6}).to(torch::kFloat32);
    const at::Tensor b = torch::randint(-2, 3, {517, 6}).to(torch::kFloat32);
    const NearestNeighbors want = BruteForce(a, b);
    const int64_t ties = (torch::mm(a, b.t()) == want.a_to_b_score.unsqueeze(1)).sum(1).gt(1).sum().item<int64_t>();
    QVERIFY2(ties > 50, "test data should contain many ties");
    const std::vector<std::pair<int64_t, int64_t>> tiles = {
        {7, 4 * 7 * 13}, {64, 4 * 64 * 64}, {0, 4 << 20}, {301, 4 * 301 * 517}, {1000, 4 * 1000 * 3}};
    for (auto [rows, bytes] : tiles) {
      MutualNNOptions options;
      options.tile_rows = rows;
      options.tile_bytes = bytes;
      ExpectEqual(MutualNearestNeighbors(a, b, options), want,
                  qPrintable(QString("tile rows %1 bytes %2").arg(rows).arg(bytes)));
    }
    for (int64_t chunk : {int64_t{1}, int64_t{5000}, int64_t{25000} * 10000})
      ExpectEqual(MutualNearestNeighborsTwoPass(a, b, chunk), want, "two-pass reference");
  }

  void FusedKernelEqualsLoopArgmaxWithDuplicates() {
    // Random multiples of 1/64 in [-1, 1] with C = 64: every dot product is
    // exact whatever the GEMM's blocking, so indices and scores must match a
    // plain-loop argmax bit for bit. Duplicated columns of b and rows of a
    // give exact ties at every distance (same SIMD lane, other lanes, other
    // tiles, other thread parts); sizes are no multiple of any tile.
    torch::manual_seed(21);
    at::Tensor a = torch::randint(-64, 65, {523, 64}).to(torch::kFloat32) / 64;
    at::Tensor b = torch::randint(-64, 65, {1301, 64}).to(torch::kFloat32) / 64;
    const at::Tensor b_src = torch::randint(0, 1301, {400}, torch::kInt64);
    const at::Tensor b_dst = torch::randint(0, 1301, {400}, torch::kInt64);
    b.index_copy_(0, b_dst, b.index_select(0, b_src).clone());
    const at::Tensor a_src = torch::randint(0, 523, {150}, torch::kInt64);
    const at::Tensor a_dst = torch::randint(0, 523, {150}, torch::kInt64);
    a.index_copy_(0, a_dst, a.index_select(0, a_src).clone());
    // The nearest neighbour of a row that also appears in b is that copy (and
    // its duplicates): plant some, so that row and column ties both occur at
    // the maximum.
    b.narrow(0, 1000, 40).copy_(a.narrow(0, 0, 40));
    b.narrow(0, 3, 40).copy_(a.narrow(0, 0, 40));
    const NearestNeighbors want = LoopArgmax(a, b);
    const at::Tensor sim = torch::mm(a, b.t());
    const int64_t row_ties = (sim == want.a_to_b_score.unsqueeze(1)).sum(1).gt(1).sum().item<int64_t>();
    const int64_t col_ties = (sim == want.b_to_a_score.unsqueeze(0)).sum(0).gt(1).sum().item<int64_t>();
    QVERIFY2(row_ties >= 40 && col_ties >= 100, "test data should tie at the maximum both ways");
    const int threads = at::get_num_threads();
    for (int t : {1, 2, 3}) {
      at::set_num_threads(t);
      const std::vector<std::pair<int64_t, int64_t>> tiles = {
          {0, 0}, {5, 4 * 5 * 37}, {64, 4 * 64 * 100}, {100, 4 * 100 * 333}, {523, 4 * 523 * 1301}};
      for (auto [rows, bytes] : tiles) {
        MutualNNOptions options;
        options.tile_rows = rows;
        if (bytes > 0) options.tile_bytes = bytes;
        ExpectEqual(MutualNearestNeighbors(a, b, options), want,
                    qPrintable(QString("threads %1 tile rows %2 bytes %3").arg(t).arg(rows).arg(bytes)));
      }
    }
    at::set_num_threads(threads);
    ExpectEqual(BruteForce(a, b), want, "torch argmax agrees with the loops");
  }

  void SingleElementTilesEqualBruteForce() {
    // 1x1 and 3x5 tiles: every border is a tile border (small sets: many tiles).
    torch::manual_seed(13);
    const at::Tensor a = torch::randint(-1, 2, {23, 3}).to(torch::kFloat32);
    const at::Tensor b = torch::randint(-1, 2, {31, 3}).to(torch::kFloat32);
    const NearestNeighbors want = BruteForce(a, b);
    for (auto [rows, bytes] : std::vector<std::pair<int64_t, int64_t>>{{1, 4}, {3, 4 * 3 * 5}}) {
      MutualNNOptions options;
      options.tile_rows = rows;
      options.tile_bytes = bytes;
      ExpectEqual(MutualNearestNeighbors(a, b, options), want, "tiny tiles");
    }
  }

  void TiledMatchesBruteForceOnRandomDescriptors() {
    torch::manual_seed(9);
    namespace F = torch::nn::functional;
    const at::Tensor a = F::normalize(torch::randn({700, 64}), F::NormalizeFuncOptions().dim(1));
    const at::Tensor b = F::normalize(torch::randn({900, 64}), F::NormalizeFuncOptions().dim(1));
    const NearestNeighbors want = BruteForce(a, b);
    for (int64_t rows : {int64_t{13}, int64_t{256}}) {
      MutualNNOptions options;
      options.tile_rows = rows;
      options.tile_bytes = 4 * rows * 97;
      const NearestNeighbors got = MutualNearestNeighbors(a, b, options);
      // GEMM blocking may change the last bit; compare scores with a
      // tolerance and indices where the best is not a near-tie.
      QVERIFY(torch::allclose(got.a_to_b_score, want.a_to_b_score, 0, 1e-5));
      QVERIFY(torch::allclose(got.b_to_a_score, want.b_to_a_score, 0, 1e-5));
      QVERIFY(got.a_to_b.ne(want.a_to_b).sum().item<int64_t>() <= 2);
      QVERIFY(got.b_to_a.ne(want.b_to_a).sum().item<int64_t>() <= 2);
    }
  }

  void MutualMatchesRecoverAShift() {
    torch::manual_seed(10);
    const at::Tensor big = torch::randn({24, 10, 12});
    using torch::indexing::Slice;
    FeatureMap source = test::MakeMap(big.index({Slice(), Slice(0, 8), Slice(0, 10)}), 16, 8);
    FeatureMap target = test::MakeMap(big.index({Slice(), Slice(2, 10), Slice(1, 11)}), 16, 8);
    MutualMatchOptions options;
    options.max_matches = 0;
    options.min_score = 0.99f;  // chance pairs outside the overlap can be mutual too
    const std::vector<MatchPair> all = MutualMatches(source, target, options);
    QCOMPARE(all.size(), size_t{6 * 9});  // overlap of the two windows
    for (const MatchPair& m : all) {
      QVERIFY(std::abs(m.target.x - (m.source.x - 8)) < 1e-4);
      QVERIFY(std::abs(m.target.y - (m.source.y - 16)) < 1e-4);
      QVERIFY(std::abs(m.score - 1.f) < 1e-5);
    }
    options.max_matches = 10;
    const std::vector<MatchPair> few = MutualMatches(source, target, options);
    QVERIFY(!few.empty() && few.size() <= 10);
    options.min_score = 1.5f;
    QVERIFY(MutualMatches(source, target, options).empty());
  }

  void CancelsAndValidates() {
    const at::Tensor a = torch::randn({10, 4}), b = torch::randn({12, 4});
    CancelToken cancel;
    cancel.Cancel();
    QVERIFY_THROWS_EXCEPTION(Cancelled, MutualNearestNeighbors(a, b, {}, cancel));
    QVERIFY_THROWS_EXCEPTION(Error, MutualNearestNeighbors(a, torch::randn({12, 5})));
    QVERIFY_THROWS_EXCEPTION(Error, MutualNearestNeighbors(torch::randn({0, 4}), b));
    Progress progress;
    MutualNNOptions options;
    options.tile_rows = 3;
    options.tile_bytes = 4 * 3 * 5;
    MutualNearestNeighbors(a, b, options, CancelToken(), &progress);
    QCOMPARE(progress.Fraction(), 1.0);
  }
};

QTEST_APPLESS_MAIN(MutualNNTest)
#include "mutual_nn_test.moc"
