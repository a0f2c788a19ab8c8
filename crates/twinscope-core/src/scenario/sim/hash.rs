//! The trajectory hash: SHA-256 over the bit patterns of every spawned body's pose at every
//! step (step 0 included).
//!
//! SHA-256 rather than a faster non-cryptographic hash because the digest goes into audit
//! reports beside the SHA-256 of the scene, model and spec: one algorithm for auditors to
//! check, and no practical way to forge a matching trajectory. It costs ~28 bytes per body per
//! step, far below the physics.

use super::super::BodyPose;
use sha2::{Digest, Sha256};

/// Incremental trajectory digest.
pub(crate) struct TrajectoryHasher(Sha256);

impl TrajectoryHasher {
    pub(crate) fn new() -> Self {
        Self(Sha256::new())
    }

    /// Adds one step: its index, then each body's index, translation and rotation bits.
    pub(crate) fn add_step(&mut self, step: u64, poses: &[BodyPose]) {
        self.0.update(step.to_le_bytes());
        for pose in poses {
            self.0.update((pose.body as u64).to_le_bytes());
            for v in pose.translation.iter().chain(&pose.rotation) {
                self.0.update(v.to_bits().to_le_bytes());
            }
        }
    }

    /// The lowercase hex digest.
    pub(crate) fn finish(self) -> String {
        self.0
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}
