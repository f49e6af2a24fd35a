//! Synthetic ISCE2 topsStack stacks with ground truth.
