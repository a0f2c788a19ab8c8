//! The in-memory plant the layouts build and the GLB writer serialises: assets made of named
//! parts, each part a unit shape placed by translation/rotation/scale in its asset's frame.

#[cfg(test)]
use super::geometry::rotate;
use super::geometry::{Shape, normalize, quat_mul, quat_y_to, quat_yaw};

/// Surface finish of a part; one glTF material each. Colours are linear RGB (glTF's space),
/// chosen as neutral, distinct tones per kind so assets read apart before any live colouring.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Mat {
    Concrete,
    Plinth,
    Walkway,
    Tank,
    Pump,
    Motor,
    Pipe,
    Valve,
    Conveyor,
    Belt,
    Steel,
    Packing,
    Operator,
    Screen,
    Rubber,
    /// Moving indicators (valve pointer, fan blades, coupling bolt): bright, so motion reads.
    Indicator,
    /// Dark sight glass behind a tank's level column.
    Glass,
    /// The liquid column in a sight glass.
    Liquid,
    /// A warning beacon, lit (emissive amber).
    Beacon,
}

/// PBR metallic-roughness parameters of a [`Mat`].
pub(super) struct Pbr {
    pub base: [f32; 4],
    pub metallic: f32,
    pub roughness: f32,
    pub emissive: [f32; 3],
}

impl Mat {
    /// Material name in the file.
    pub(super) fn name(self) -> &'static str {
        match self {
            Mat::Concrete => "concrete_floor",
            Mat::Plinth => "concrete_plinth",
            Mat::Walkway => "walkway_safety_yellow",
            Mat::Tank => "tank_light_steel",
            Mat::Pump => "pump_blue_grey",
            Mat::Motor => "motor_green_grey",
            Mat::Pipe => "pipe_steel",
            Mat::Valve => "valve_dark_red",
            Mat::Conveyor => "conveyor_dark_grey",
            Mat::Belt => "conveyor_belt",
            Mat::Steel => "structural_steel",
            Mat::Packing => "packing_cream",
            Mat::Operator => "operator_blue_grey",
            Mat::Screen => "screen",
            Mat::Rubber => "rubber_dark",
            Mat::Indicator => "indicator_white",
            Mat::Glass => "sight_glass_dark",
            Mat::Liquid => "sight_glass_liquid",
            Mat::Beacon => "beacon_amber",
        }
    }

    /// Literal linear values (not computed from sRGB) so the bytes never depend on libm.
    pub(super) fn pbr(self) -> Pbr {
        let (rgb, metallic, roughness): ([f32; 3], f32, f32) = match self {
            Mat::Concrete => ([0.133, 0.133, 0.125], 0.0, 0.95),
            Mat::Plinth => ([0.263, 0.263, 0.250], 0.0, 0.9),
            Mat::Walkway => ([0.955, 0.571, 0.010], 0.0, 0.7),
            Mat::Tank => ([0.604, 0.637, 0.672], 0.4, 0.35),
            Mat::Pump => ([0.107, 0.188, 0.319], 0.1, 0.5),
            Mat::Motor => ([0.064, 0.107, 0.078], 0.1, 0.55),
            Mat::Pipe => ([0.342, 0.368, 0.392], 0.5, 0.4),
            Mat::Valve => ([0.342, 0.013, 0.010], 0.1, 0.5),
            Mat::Conveyor => ([0.073, 0.078, 0.089], 0.2, 0.6),
            Mat::Belt => ([0.012, 0.012, 0.012], 0.0, 0.9),
            Mat::Steel => ([0.214, 0.235, 0.253], 0.5, 0.5),
            Mat::Packing => ([0.831, 0.745, 0.539], 0.0, 0.6),
            Mat::Operator => ([0.040, 0.060, 0.095], 0.1, 0.5),
            Mat::Screen => ([0.007, 0.013, 0.027], 0.0, 0.2),
            Mat::Rubber => ([0.027, 0.027, 0.030], 0.0, 0.8),
            Mat::Indicator => ([0.871, 0.871, 0.807], 0.0, 0.4),
            Mat::Glass => ([0.006, 0.008, 0.010], 0.0, 0.15),
            Mat::Liquid => ([0.010, 0.520, 0.610], 0.0, 0.3),
            Mat::Beacon => ([1.0, 0.300, 0.010], 0.0, 0.4),
        };
        let emissive = match self {
            Mat::Screen => [0.02, 0.09, 0.16],
            Mat::Liquid => [0.0, 0.10, 0.12],
            Mat::Beacon => [1.0, 0.25, 0.0],
            _ => [0.0; 3],
        };
        Pbr {
            base: [rgb[0], rgb[1], rgb[2], 1.0],
            metallic,
            roughness,
            emissive,
        }
    }
}

/// One visible piece of an asset, a child node `TAG/name` carrying a mesh.
#[derive(Clone, Debug)]
pub(super) struct Part {
    pub name: String,
    pub shape: Shape,
    pub mat: Mat,
    pub translation: [f32; 3],
    /// Unit quaternion (x, y, z, w).
    pub rotation: [f32; 4],
    pub scale: [f32; 3],
    /// Shows state by its own colour (a gauge, a beacon, a moving indicator), so the viewer
    /// must not repaint it with its asset's status colour; written as node extras
    /// `{"keep_material": true}`.
    pub keep_material: bool,
}

const IDENTITY: [f32; 4] = [0.0, 0.0, 0.0, 1.0];

impl Part {
    /// Axis-aligned box of `size` centred at `centre`.
    pub(super) fn cuboid(
        name: impl Into<String>,
        mat: Mat,
        centre: [f32; 3],
        size: [f32; 3],
    ) -> Part {
        Part {
            name: name.into(),
            shape: Shape::Box,
            mat,
            translation: centre,
            rotation: IDENTITY,
            scale: size,
            keep_material: false,
        }
    }

    /// Vertical cylinder standing on `base` (centre of its bottom face).
    pub(super) fn column(
        name: impl Into<String>,
        mat: Mat,
        base: [f32; 3],
        radius: f32,
        height: f32,
    ) -> Part {
        Part {
            name: name.into(),
            shape: Shape::Cylinder,
            mat,
            translation: [base[0], base[1] + 0.5 * height, base[2]],
            rotation: IDENTITY,
            scale: [2.0 * radius, height, 2.0 * radius],
            keep_material: false,
        }
    }

    /// Cylinder of `radius` from point `a` to point `b`, any direction.
    pub(super) fn rod(
        name: impl Into<String>,
        mat: Mat,
        a: [f32; 3],
        b: [f32; 3],
        radius: f32,
    ) -> Part {
        let d = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
        let len = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        let rotation = if d[0] == 0.0 && d[2] == 0.0 && d[1] > 0.0 {
            IDENTITY
        } else {
            quat_y_to(normalize(d))
        };
        Part {
            name: name.into(),
            shape: Shape::Cylinder,
            mat,
            translation: [
                0.5 * (a[0] + b[0]),
                0.5 * (a[1] + b[1]),
                0.5 * (a[2] + b[2]),
            ],
            rotation,
            scale: [2.0 * radius, len, 2.0 * radius],
            keep_material: false,
        }
    }

    /// Ellipsoid centred at `centre` with diameters `size`.
    pub(super) fn ball(
        name: impl Into<String>,
        mat: Mat,
        centre: [f32; 3],
        size: [f32; 3],
    ) -> Part {
        Part {
            name: name.into(),
            shape: Shape::Sphere,
            mat,
            translation: centre,
            rotation: IDENTITY,
            scale: size,
            keep_material: false,
        }
    }

    /// This part turned `yaw` radians about its own vertical axis (through its centre).
    pub(super) fn yawed(mut self, yaw: f32) -> Part {
        self.rotation = quat_mul(quat_yaw(yaw), self.rotation);
        self
    }

    /// This part keeping its own material under status colours (see [`Part::keep_material`]).
    pub(super) fn keeping_material(mut self) -> Part {
        self.keep_material = true;
        self
    }

    /// Whether the rotation is the identity (then it is left out of the file).
    pub(super) fn unrotated(&self) -> bool {
        self.rotation == IDENTITY
    }
}

/// A plant asset: the node the app binds signals to, named by its tag.
#[derive(Clone, Debug)]
pub(super) struct Asset {
    pub tag: String,
    pub kind: &'static str,
    pub description: String,
    pub translation: [f32; 3],
    /// Turn about +Y in radians (0 leaves the rotation out of the file).
    pub yaw: f32,
    pub parts: Vec<Part>,
}

impl Asset {
    /// An asset at `translation`, turned `yaw` about +Y, with no parts yet.
    pub(super) fn new(
        tag: impl Into<String>,
        kind: &'static str,
        description: impl Into<String>,
        translation: [f32; 3],
        yaw: f32,
    ) -> Asset {
        Asset {
            tag: tag.into(),
            kind,
            description: description.into(),
            translation,
            yaw,
            parts: Vec::new(),
        }
    }

    /// Adds a part and returns the asset, for chaining.
    pub(super) fn with(mut self, parts: impl IntoIterator<Item = Part>) -> Asset {
        self.parts.extend(parts);
        self
    }

    /// Asset rotation as a quaternion.
    pub(super) fn rotation(&self) -> [f32; 4] {
        quat_yaw(self.yaw)
    }

    /// World-space axis-aligned bounds of every part (conservative for round parts).
    #[cfg(test)]
    pub(super) fn world_aabb(&self) -> ([f32; 3], [f32; 3]) {
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        for (plo, phi) in self.parts.iter().map(|p| self.part_aabb(p)) {
            for k in 0..3 {
                lo[k] = lo[k].min(plo[k]);
                hi[k] = hi[k].max(phi[k]);
            }
        }
        (lo, hi)
    }

    /// World-space axis-aligned bounds of one of this asset's parts.
    #[cfg(test)]
    pub(super) fn part_aabb(&self, p: &Part) -> ([f32; 3], [f32; 3]) {
        let mut lo = [f32::INFINITY; 3];
        let mut hi = [f32::NEG_INFINITY; 3];
        let q = self.rotation();
        for corner in 0..8 {
            let unit = [0, 1, 2].map(|k| if corner & (1 << k) == 0 { -0.5 } else { 0.5 });
            let scaled = [
                unit[0] * p.scale[0],
                unit[1] * p.scale[1],
                unit[2] * p.scale[2],
            ];
            let local = rotate(p.rotation, scaled);
            let in_asset = [0, 1, 2].map(|k| local[k] + p.translation[k]);
            let turned = rotate(q, in_asset);
            for k in 0..3 {
                let w = turned[k] + self.translation[k];
                lo[k] = lo[k].min(w);
                hi[k] = hi[k].max(w);
            }
        }
        (lo, hi)
    }
}

/// A whole plant: one root node whose children are the assets, in file order.
#[derive(Clone, Debug)]
pub(super) struct Plant {
    pub root: &'static str,
    pub assets: Vec<Asset>,
}
