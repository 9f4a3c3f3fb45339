// Ground-truth correspondences between two rendered views of one object:
// a pixel of view i is lifted with its depth, moved through the object frame
// into view j and projected; it counts as visible in j when it lands inside
// the image and view j's depth there agrees within a tolerance.
#pragma once

#include <opencv2/core/mat.hpp>

#include <vector>

#include "core/render/camera.h"

namespace corrlens::render {

// Options of the visibility test.
struct CorrespondenceOptions {
  // Largest |z_projected - depth_j| in metres for a visible point (objects
  // are normalised to size 1: 0.005 is the reference positive-pair radius).
  double depth_tolerance = 0.005;
  // Extra tolerance as a fraction of the projected depth.
  double relative_tolerance = 0.0;

  bool Check() const { return depth_tolerance >= 0.0 && relative_tolerance >= 0.0; }
};

// The geometry of one view: metric depth (CV_32FC1, 0 = background),
// intrinsics and object pose.
struct ViewGeometry {
  cv::Mat depth;
  Intrinsics intrinsics;
  Pose obj_to_cam = Pose::eye();
};

// Where one source pixel lands in the target view.
struct PointCorrespondence {
  cv::Point2f target{-1.f, -1.f};  // continuous pixel in the target view
  float target_depth = 0.f;        // z of the point in the target camera
  bool valid = false;              // the source pixel is on the object and in front of camera j
  bool visible = false;            // valid, inside target image and not occluded
};

// Correspondences of `pixels` (view i coordinates; depth is read at the
// rounded pixel, as the reference img_coord_2_obj_coord does).
std::vector<PointCorrespondence> Correspond(const std::vector<cv::Point2f>& pixels, const ViewGeometry& source,
                                            const ViewGeometry& target, const CorrespondenceOptions& options = {});

// Dense correspondences of every foreground pixel of the source view.
struct DenseCorrespondence {
  cv::Mat target;      // CV_32FC2: target pixel (x, y), NaN where not valid
  cv::Mat visible;     // CV_8UC1: 255 where the correspondence is visible
  int foreground = 0;  // source pixels with depth
  int visible_count = 0;
};
DenseCorrespondence DenseCorrespondences(const ViewGeometry& source, const ViewGeometry& target,
                                         const CorrespondenceOptions& options = {});

// Object-frame 3D point of source pixel (u, v) with depth z.
cv::Vec3d ObjectPoint(const ViewGeometry& view, double u, double v, double z);

}  // namespace corrlens::render
