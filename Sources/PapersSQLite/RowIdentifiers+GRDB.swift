import GRDB
import PapersCore
import PapersStore

// Typed row ids go into SQL arguments and come out of rows as the integers they wrap.
extension AccountID: DatabaseValueConvertible {}
extension CollectionID: DatabaseValueConvertible {}
extension SubscriptionID: DatabaseValueConvertible {}
extension APITokenID: DatabaseValueConvertible {}
extension OutboxMailID: DatabaseValueConvertible {}
extension CommentID: DatabaseValueConvertible {}
extension ClaimID: DatabaseValueConvertible {}
