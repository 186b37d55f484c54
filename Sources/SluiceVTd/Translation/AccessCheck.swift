/// The permission checks applied to a leaf translation, whether it came from a walk or the IOTLB
/// (so a cached translation is judged exactly as a fresh one).
enum AccessCheck {
    static func deniedReason(_ request: DMARequest, scalable: Bool) -> FaultReason {
        request.isWrite ? (scalable ? .smWriteDenied : .writeDenied) : (scalable ? .smReadDenied : .readDenied)
    }

    static func check(permissions: Permissions, user: Bool, _ request: DMARequest, _ space: AddressSpace) -> Blocked? {
        let fpd = space.faultProcessingDisable
        var firstStage: FirstStageConfig?
        switch space.kind {
        case .firstStage(let fs), .nested(let fs, _): firstStage = fs
        default: break
        }
        if let fs = firstStage {
            if request.pasid != nil && !request.privileged && !user { return Blocked(reason: .smUserDenied, suppressed: fpd) }
            let supervisor = request.pasid != nil && request.privileged
            if request.isWrite && !permissions.contains(.write) && (!supervisor || fs.writeProtect) {
                return Blocked(reason: .smWriteDenied, suppressed: fpd)
            }
            if request.execute && (!permissions.contains(.execute) || (supervisor && user && fs.supervisorExecutePrevent)) {
                return Blocked(reason: .smExecuteDenied, suppressed: fpd)
            }
            if !request.isWrite && !permissions.contains(.read) { return Blocked(reason: .smReadDenied, suppressed: fpd) }
            return nil
        }
        if request.isWrite ? !permissions.contains(.write) : !permissions.contains(.read) {
            return Blocked(reason: deniedReason(request, scalable: space.scalable), suppressed: fpd)
        }
        if request.execute && request.pasid != nil && !permissions.contains(.execute) {
            return Blocked(reason: .smExecuteDenied, suppressed: fpd)
        }
        return nil
    }
}
