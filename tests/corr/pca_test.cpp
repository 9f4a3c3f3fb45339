// Tests of PCA colouring (core/corr/pca).
#include <QtTest>

#include <torch/torch.h>
#include <opencv2/core.hpp>

#include "core/corr/pca.h"
#include "core/util/error.h"
#include "tests/corr/synthetic_maps.h"

using namespace corrlens;

namespace {

// A map whose columns fall in three regions with distinct features plus noise.
at::Tensor ThreeRegions(int64_t c, int64_t h, int64_t w, uint64_t seed) {
  torch::manual_seed(seed);
  const at::Tensor centres = torch::randn({3, c}) * 5.0;
  at::Tensor f = torch::empty({c, h, w});
  for (int64_t x = 0; x < w; ++x) {
    const int64_t region = x * 3 / w;
    f.select(2, x).copy_(centres[region].unsqueeze(1).expand({c, h}) + 0.01 * torch::randn({c, h}));
  }
  return f;
}

double ColourDistance(const cv::Vec3b& a, const cv::Vec3b& b) { return cv::norm(cv::Vec3d(a) - cv::Vec3d(b)); }

}  // namespace

class PcaTest : public QObject {
  Q_OBJECT

 private slots:
  void RegionsGetDistinctStableColours() {
    FeatureMap map = test::MakeMap(ThreeRegions(32, 6, 9, 11), 14, 14, 63, 42);
    const cv::Mat image = PcaImage(map);
    QCOMPARE(image.type(), CV_8UC3);
    QCOMPARE(image.cols, 9);
    QCOMPARE(image.rows, 6);
    // Same region: nearly the same colour; different regions: far apart.
    QVERIFY(ColourDistance(image.at<cv::Vec3b>(0, 0), image.at<cv::Vec3b>(5, 2)) < 20);
    QVERIFY(ColourDistance(image.at<cv::Vec3b>(0, 3), image.at<cv::Vec3b>(4, 5)) < 20);
    QVERIFY(ColourDistance(image.at<cv::Vec3b>(0, 0), image.at<cv::Vec3b>(0, 4)) > 60);
    QVERIFY(ColourDistance(image.at<cv::Vec3b>(0, 4), image.at<cv::Vec3b>(0, 8)) > 60);
    // Deterministic, including the sign of the axes.
    const cv::Mat again = PcaImage(map);
    QCOMPARE(cv::norm(image, again, cv::NORM_INF), 0.0);
  }

  void ImageSizeAndJointBasis() {
    FeatureMap a = test::MakeMap(ThreeRegions(16, 4, 6, 12), 14, 14, 40, 30);
    FeatureMap b = a;
    b.features = a.features.flip(2).contiguous();  // same features, mirrored
    PcaOptions options;
    options.image_size = true;
    const std::vector<cv::Mat> images = PcaImages({&a, &b}, options);
    QCOMPARE(images.size(), size_t{2});
    QCOMPARE(images[0].cols, 40);
    QCOMPARE(images[0].rows, 30);
    options.image_size = false;
    const std::vector<cv::Mat> grid = PcaImages({&a, &b}, options);
    // One basis: the same feature has the same colour in both maps.
    QVERIFY(ColourDistance(grid[0].at<cv::Vec3b>(1, 0), grid[1].at<cv::Vec3b>(1, 5)) < 3);
  }

  void FewChannelsAndErrors() {
    FeatureMap two = test::MakeMap(torch::randn({2, 3, 3}));
    const cv::Mat image = PcaImage(two);
    QCOMPARE(image.at<cv::Vec3b>(0, 0)[2], uchar(128));  // missing component: grey
    QVERIFY_THROWS_EXCEPTION(Error, PcaImages({}));
    FeatureMap other = test::MakeMap(torch::randn({3, 3, 3}));
    QVERIFY_THROWS_EXCEPTION(Error, PcaImages({&two, &other}));
  }
};

QTEST_APPLESS_MAIN(PcaTest)
#include "pca_test.moc"
