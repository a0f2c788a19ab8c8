//! Unit primitive meshes (box, cylinder, sphere) and the small vector/quaternion maths the
//! layouts need. Every part of a plant is one of these unit shapes placed by its node's
//! translation/rotation/scale, so the file carries each shape's vertices only once.

use std::f32::consts::TAU;

/// Side segments of cylinders and spheres: enough to look round from a few metres away.
const SEGMENTS: u16 = 28;
/// Latitude bands of the sphere (pole to pole).
const RINGS: u16 = 14;

/// A unit shape; the node's scale sizes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Shape {
    /// 1 x 1 x 1 box centred on the origin, flat normals.
    Box,
    /// Cylinder of diameter 1 and height 1 along Y, centred on the origin, flat caps.
    Cylinder,
    /// Sphere of diameter 1 centred on the origin.
    Sphere,
}

impl Shape {
    /// Every shape (the tests walk them all).
    #[cfg(test)]
    pub(super) const ALL: [Shape; 3] = [Shape::Box, Shape::Cylinder, Shape::Sphere];

    /// Short lower-case name used in mesh names.
    pub(super) fn name(self) -> &'static str {
        match self {
            Shape::Box => "box",
            Shape::Cylinder => "cylinder",
            Shape::Sphere => "sphere",
        }
    }

    /// Triangle geometry of the unit shape.
    pub(super) fn mesh(self) -> MeshData {
        match self {
            Shape::Box => unit_box(),
            Shape::Cylinder => unit_cylinder(SEGMENTS),
            Shape::Sphere => unit_sphere(SEGMENTS, RINGS),
        }
    }
}

/// Indexed triangle list with per-vertex normals; triangles are counter-clockwise seen
/// from outside.
#[derive(Clone, Debug, Default)]
pub(super) struct MeshData {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub indices: Vec<u16>,
}

impl MeshData {
    fn vertex(&mut self, p: [f32; 3], n: [f32; 3]) -> u16 {
        self.positions.push(p);
        self.normals.push(n);
        u16::try_from(self.positions.len() - 1).expect("unit meshes stay under 65536 vertices")
    }

    fn tri(&mut self, a: u16, b: u16, c: u16) {
        self.indices.extend_from_slice(&[a, b, c]);
    }

    /// Component-wise minimum and maximum of the positions (glTF requires them on POSITION).
    pub(super) fn bounds(&self) -> ([f32; 3], [f32; 3]) {
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        for p in &self.positions {
            for k in 0..3 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        (lo, hi)
    }
}

/// Unit box: 6 faces x 4 vertices so every face has its own flat normal.
fn unit_box() -> MeshData {
    let mut m = MeshData::default();
    // (normal, u axis, v axis) with u x v = normal, so (0,1,2),(0,2,3) is counter-clockwise.
    let faces: [([f32; 3], [f32; 3], [f32; 3]); 6] = [
        ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]),
        ([-1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]),
        ([0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]),
        ([0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]),
        ([0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
        ([0.0, 0.0, -1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]),
    ];
    for (n, u, v) in faces {
        let corner = |su: f32, sv: f32| {
            [
                0.5 * (n[0] + su * u[0] + sv * v[0]),
                0.5 * (n[1] + su * u[1] + sv * v[1]),
                0.5 * (n[2] + su * u[2] + sv * v[2]),
            ]
        };
        let a = m.vertex(corner(-1.0, -1.0), n);
        let b = m.vertex(corner(1.0, -1.0), n);
        let c = m.vertex(corner(1.0, 1.0), n);
        let d = m.vertex(corner(-1.0, 1.0), n);
        m.tri(a, b, c);
        m.tri(a, c, d);
    }
    m
}

/// Point on the unit circle of radius 1 at segment `i` of `n` (x = cos, z = -sin so that
/// increasing `i` turns counter-clockwise seen from +Y).
fn ring(i: u16, n: u16) -> (f32, f32) {
    let a = TAU * f32::from(i % n) / f32::from(n);
    (a.cos(), -a.sin())
}

/// Unit cylinder along Y: smooth side normals, flat caps.
fn unit_cylinder(n: u16) -> MeshData {
    let mut m = MeshData::default();
    // Side: a bottom and a top vertex per segment, sharing the radial normal.
    let side0 = m.positions.len() as u16;
    for i in 0..n {
        let (c, s) = ring(i, n);
        m.vertex([0.5 * c, -0.5, 0.5 * s], [c, 0.0, s]);
        m.vertex([0.5 * c, 0.5, 0.5 * s], [c, 0.0, s]);
    }
    for i in 0..n {
        let j = (i + 1) % n;
        let (b0, t0) = (side0 + 2 * i, side0 + 2 * i + 1);
        let (b1, t1) = (side0 + 2 * j, side0 + 2 * j + 1);
        m.tri(b0, b1, t1);
        m.tri(b0, t1, t0);
    }
    // Caps: a centre vertex and a ring with the cap's flat normal.
    for (y, ny) in [(0.5f32, 1.0f32), (-0.5, -1.0)] {
        let centre = m.vertex([0.0, y, 0.0], [0.0, ny, 0.0]);
        let first = m.positions.len() as u16;
        for i in 0..n {
            let (c, s) = ring(i, n);
            m.vertex([0.5 * c, y, 0.5 * s], [0.0, ny, 0.0]);
        }
        for i in 0..n {
            let (a, b) = (first + i, first + (i + 1) % n);
            if ny > 0.0 {
                m.tri(centre, a, b);
            } else {
                m.tri(centre, b, a);
            }
        }
    }
    m
}

/// Unit UV sphere with single pole vertices (no degenerate triangles).
fn unit_sphere(n: u16, rings: u16) -> MeshData {
    let mut m = MeshData::default();
    let top = m.vertex([0.0, 0.5, 0.0], [0.0, 1.0, 0.0]);
    for r in 1..rings {
        let phi = std::f32::consts::PI * f32::from(r) / f32::from(rings);
        let (y, rad) = (phi.cos(), phi.sin());
        for i in 0..n {
            let (c, s) = ring(i, n);
            let nrm = normalize([rad * c, y, rad * s]);
            m.vertex([0.5 * nrm[0], 0.5 * nrm[1], 0.5 * nrm[2]], nrm);
        }
    }
    let bottom = m.vertex([0.0, -0.5, 0.0], [0.0, -1.0, 0.0]);
    let at = |r: u16, i: u16| 1 + (r - 1) * n + (i % n);
    for i in 0..n {
        m.tri(top, at(1, i), at(1, i + 1));
        m.tri(bottom, at(rings - 1, i + 1), at(rings - 1, i));
    }
    for r in 1..rings - 1 {
        for i in 0..n {
            let (a, b) = (at(r, i), at(r, i + 1));
            let (c, d) = (at(r + 1, i), at(r + 1, i + 1));
            m.tri(c, d, b);
            m.tri(c, b, a);
        }
    }
    m
}

/// `v / |v|`.
pub(super) fn normalize(v: [f32; 3]) -> [f32; 3] {
    let l = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    [v[0] / l, v[1] / l, v[2] / l]
}

/// Rotation of `angle` radians about +Y, as an (x, y, z, w) quaternion.
pub(super) fn quat_yaw(angle: f32) -> [f32; 4] {
    let h = 0.5 * angle;
    [0.0, h.sin(), 0.0, h.cos()]
}

/// The shortest rotation taking +Y onto the unit vector `d`.
pub(super) fn quat_y_to(d: [f32; 3]) -> [f32; 4] {
    if d[1] < -0.999_999 {
        return [1.0, 0.0, 0.0, 0.0];
    }
    // axis = Y x d, w = 1 + Y . d, then normalise.
    let q = [d[2], 0.0, -d[0], 1.0 + d[1]];
    let l = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]).sqrt();
    [q[0] / l, q[1] / l, q[2] / l, q[3] / l]
}

/// Hamilton product `a * b` (apply `b`, then `a`).
pub(super) fn quat_mul(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
    let [ax, ay, az, aw] = a;
    let [bx, by, bz, bw] = b;
    [
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    ]
}

/// Rotates `v` by the unit quaternion `q` (for bounds checks in tests).
#[cfg(test)]
pub(super) fn rotate(q: [f32; 4], v: [f32; 3]) -> [f32; 3] {
    let [x, y, z, w] = q;
    // t = 2 * (q.xyz x v); v' = v + w * t + q.xyz x t
    let t = [
        2.0 * (y * v[2] - z * v[1]),
        2.0 * (z * v[0] - x * v[2]),
        2.0 * (x * v[1] - y * v[0]),
    ];
    [
        v[0] + w * t[0] + (y * t[2] - z * t[1]),
        v[1] + w * t[1] + (z * t[0] - x * t[2]),
        v[2] + w * t[2] + (x * t[1] - y * t[0]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
        [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
    }
    fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    }
    fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
        a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
    }

    #[test]
    fn triangles_face_outward_and_normals_are_unit() {
        for shape in Shape::ALL {
            let m = shape.mesh();
            assert_eq!(m.indices.len() % 3, 0, "{shape:?}");
            for n in &m.normals {
                assert!((dot(*n, *n) - 1.0).abs() < 1e-5, "{shape:?} normal {n:?}");
            }
            for t in m.indices.chunks(3) {
                let [a, b, c] = [0, 1, 2].map(|k| m.positions[usize::from(t[k])]);
                let face = cross(sub(b, a), sub(c, a));
                assert!(
                    dot(face, face) > 1e-10,
                    "{shape:?} degenerate triangle {t:?}"
                );
                let n = m.normals[usize::from(t[0])];
                let centroid = [
                    (a[0] + b[0] + c[0]) / 3.0,
                    (a[1] + b[1] + c[1]) / 3.0,
                    (a[2] + b[2] + c[2]) / 3.0,
                ];
                assert!(
                    dot(face, n) > 0.0,
                    "{shape:?} triangle {t:?} winds against its normal"
                );
                assert!(
                    dot(face, centroid) > 0.0,
                    "{shape:?} triangle {t:?} faces inward"
                );
            }
            let (lo, hi) = m.bounds();
            for k in 0..3 {
                assert!(
                    (lo[k] + 0.5).abs() < 1e-6 && (hi[k] - 0.5).abs() < 1e-6,
                    "{shape:?} bounds"
                );
            }
        }
    }

    #[test]
    fn vertex_counts_match_the_design() {
        assert_eq!(Shape::Box.mesh().positions.len(), 24);
        let n = usize::from(SEGMENTS);
        assert_eq!(Shape::Cylinder.mesh().positions.len(), 2 * n + 2 * (n + 1));
    }

    #[test]
    fn quaternions_rotate_y_onto_the_target() {
        for d in [
            [1.0, 0.0, 0.0],
            [0.0, 0.0, -1.0],
            [0.0, -1.0, 0.0],
            normalize([1.0, 2.0, 3.0]),
        ] {
            let r = rotate(quat_y_to(d), [0.0, 1.0, 0.0]);
            assert!(dot(sub(r, d), sub(r, d)) < 1e-10, "{d:?} -> {r:?}");
        }
        let q = quat_mul(
            quat_yaw(std::f32::consts::FRAC_PI_2),
            quat_y_to([1.0, 0.0, 0.0]),
        );
        let r = rotate(q, [0.0, 1.0, 0.0]);
        assert!(
            dot(sub(r, [0.0, 0.0, -1.0]), sub(r, [0.0, 0.0, -1.0])) < 1e-10,
            "{r:?}"
        );
    }
}
