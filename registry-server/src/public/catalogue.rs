//! The MxOS partner programme's service catalogue: the kinds of service a partner may list in the
//! directory, with their names in Spanish and English. Pure data; add kinds, never rename them.

use serde::{Deserialize, Serialize};

/// A kind of service from the MxOS catalogue.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// Technical support, with a service-level agreement (required for this kind).
    TechnicalSupport,
    /// Implementation and migration to MxOS.
    ImplementationMigration,
    /// Managed services.
    ManagedServices,
    Consulting,
    CustomDevelopment,
    /// Training and certification of people.
    TrainingCertification,
    TechnicalDocumentation,
    /// Hardware services: installation, repair, maintenance.
    HardwareServices,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 8] = [
        ServiceKind::TechnicalSupport,
        ServiceKind::ImplementationMigration,
        ServiceKind::ManagedServices,
        ServiceKind::Consulting,
        ServiceKind::CustomDevelopment,
        ServiceKind::TrainingCertification,
        ServiceKind::TechnicalDocumentation,
        ServiceKind::HardwareServices,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::TechnicalSupport => "technical_support",
            ServiceKind::ImplementationMigration => "implementation_migration",
            ServiceKind::ManagedServices => "managed_services",
            ServiceKind::Consulting => "consulting",
            ServiceKind::CustomDevelopment => "custom_development",
            ServiceKind::TrainingCertification => "training_certification",
            ServiceKind::TechnicalDocumentation => "technical_documentation",
            ServiceKind::HardwareServices => "hardware_services",
        }
    }

    pub fn parse(s: &str) -> Option<ServiceKind> {
        ServiceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn name_es(self) -> &'static str {
        match self {
            ServiceKind::TechnicalSupport => "Soporte técnico con SLA",
            ServiceKind::ImplementationMigration => "Implementación y migración",
            ServiceKind::ManagedServices => "Servicios administrados",
            ServiceKind::Consulting => "Consultoría",
            ServiceKind::CustomDevelopment => "Desarrollo a la medida",
            ServiceKind::TrainingCertification => "Capacitación y certificación",
            ServiceKind::TechnicalDocumentation => "Documentación técnica",
            ServiceKind::HardwareServices => "Servicios de hardware",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            ServiceKind::TechnicalSupport => "Technical support with SLAs",
            ServiceKind::ImplementationMigration => "Implementation and migration",
            ServiceKind::ManagedServices => "Managed services",
            ServiceKind::Consulting => "Consulting",
            ServiceKind::CustomDevelopment => "Custom development",
            ServiceKind::TrainingCertification => "Training and certification",
            ServiceKind::TechnicalDocumentation => "Technical documentation",
            ServiceKind::HardwareServices => "Hardware services",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in ServiceKind::ALL {
            assert_eq!(ServiceKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::json!(k.as_str())
            );
        }
        assert_eq!(ServiceKind::parse("support"), None);
    }
}
