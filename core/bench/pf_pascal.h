// PF-PASCAL pair lists (the reference's test_pairs_pf_{different,same}_views
// CSVs): header `source_image,target_image,class,XA,YA,XB,YB`, class 1..20,
// ';'-separated coordinates in original image pixels; image paths relative to
// the folder above PF-dataset-PASCAL. See docs/evaluations.md.
#pragma once

#include <opencv2/core/types.hpp>

#include <string>
#include <vector>

namespace corrlens::bench {

// The 20 VOC classes in the CSV's order (class 1 = aeroplane).
const std::vector<std::string>& PfPascalClasses();
// Pairs per class in the test split: the reference's category weights.
const std::vector<int>& PfPascalWeights();

struct PfPascalPair {
  int row = 0;                             // 0-based data row of the CSV (header excluded)
  int category = 0;                        // 0-based index into PfPascalClasses()
  std::string source_image, target_image;  // as written in the CSV
  std::vector<cv::Point2d> source_points, target_points;
};

struct PfPascalPairs {
  std::string csv;   // the file read
  std::string root;  // folder the CSV's image paths are relative to
  std::vector<PfPascalPair> pairs;
  // Rows whose source and target keypoint counts differ (index-aligned
  // keypoints then do not denote the same part; 131 of 299 in the
  // reference's different_views file).
  int mismatched_rows = 0;

  std::string ImagePath(const std::string& csv_path) const;
};

// Reads a pair CSV. `root` = "" means the folder above the CSV's folder when
// that folder is PF-dataset-PASCAL, else the CSV's folder. Throws
// corrlens::Error naming the file, line and field for malformed input.
PfPascalPairs ReadPfPascalPairs(const std::string& csv, const std::string& root = "");

}  // namespace corrlens::bench
