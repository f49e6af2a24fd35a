//! Rectangular pixel windows: the unit of every read, compute and write.

/// A half-open window of rows `y0..y1` and columns `x0..x1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// First row.
    pub y0: usize,
    /// One past the last row.
    pub y1: usize,
    /// First column.
    pub x0: usize,
    /// One past the last column.
    pub x1: usize,
}

impl Window {
    /// The whole image.
    pub fn full(length: usize, width: usize) -> Window {
        Window {
            y0: 0,
            y1: length,
            x0: 0,
            x1: width,
        }
    }

    /// The window of the single pixel (y, x).
    pub fn pixel(y: usize, x: usize) -> Window {
        Window {
            y0: y,
            y1: y + 1,
            x0: x,
            x1: x + 1,
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.y1 - self.y0
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.x1 - self.x0
    }

    /// Number of pixels.
    pub fn pixels(&self) -> usize {
        self.rows() * self.cols()
    }

    /// Whether pixel (y, x) of the image lies inside.
    pub fn contains(&self, y: usize, x: usize) -> bool {
        (self.y0..self.y1).contains(&y) && (self.x0..self.x1).contains(&x)
    }

    /// Index of image pixel (y, x) in a row-major buffer of this window, if inside.
    pub fn local_index(&self, y: usize, x: usize) -> Option<usize> {
        self.contains(y, x)
            .then(|| (y - self.y0) * self.cols() + (x - self.x0))
    }
}
