/**
 * The full records Fortnox creates from a minimal POST, in Fortnox's key order and value types, taken
 * from the recorded real replies (customers/save_new.yml, articles/save_new.yml, invoices/save_new.yml,
 * invoices/save_with_nested_model.yml) and, where no recording exists, from Fortnox's OpenAPI schemas.
 */
import type { FortnoxRecord } from './model.ts';

export function customerTemplate(): FortnoxRecord {
  return {
    Address1: null, Address2: null, City: null, Country: null, Comments: null, Currency: 'SEK', CostCenter: null, CountryCode: null, Active: true,
    CustomerNumber: '', DefaultDeliveryTypes: { Invoice: 'PRINT', Order: 'PRINT', Offer: 'PRINT' },
    DefaultTemplates: { Order: 'DEFAULTTEMPLATE', Offer: 'DEFAULTTEMPLATE', Invoice: 'DEFAULTTEMPLATE', CashInvoice: 'DEFAULTTEMPLATE' },
    DeliveryAddress1: null, DeliveryAddress2: null, DeliveryCity: null, DeliveryCountry: null, DeliveryCountryCode: null, DeliveryFax: null,
    DeliveryName: null, DeliveryPhone1: null, DeliveryPhone2: null, DeliveryZipCode: null, Email: '', EmailInvoice: '', EmailInvoiceBCC: '',
    EmailInvoiceCC: '', EmailOffer: '', EmailOfferBCC: '', EmailOfferCC: '', EmailOrder: '', EmailOrderBCC: '', EmailOrderCC: '',
    ExternalReference: null, Fax: null, GLN: null, GLNDelivery: null, InvoiceAdministrationFee: null, InvoiceDiscount: null, InvoiceFreight: null,
    InvoiceRemark: '', Name: '', OrganisationNumber: '', OurReference: '', Phone1: null, Phone2: null, PriceList: 'A', Project: '',
    SalesAccount: null, ShowPriceVATIncluded: false, TermsOfDelivery: '', TermsOfPayment: '', Type: 'COMPANY', VATNumber: '', VATType: 'SEVAT',
    VisitingAddress: null, VisitingCity: null, VisitingCountry: null, VisitingCountryCode: null, VisitingZipCode: null, WayOfDelivery: '',
    WWW: '', YourReference: '', ZipCode: null,
  };
}

export function supplierTemplate(): FortnoxRecord {
  return {
    Active: true, Address1: '', Address2: '', BG: '', BIC: '', Bank: '', BankAccountNumber: '', BranchCode: '', City: '', ClearingNumber: '',
    Comments: '', CostCenter: '', Country: '', CountryCode: '', Currency: 'SEK', DisablePaymentFile: false, Email: '', Fax: '', IBAN: '', Name: '',
    OrganisationNumber: '', OurCustomerNumber: '', OurReference: '', PG: '', Phone1: '', Phone2: '', PreDefinedAccount: '', Project: '',
    SupplierNumber: '', TermsOfPayment: '30', VATNumber: '', VATType: 'NORMAL', VisitingAddress: '', VisitingCity: '', VisitingCountry: '',
    VisitingCountryCode: '', VisitingZipCode: '', WWW: '', WorkPlace: '', YourReference: '', ZipCode: '',
  };
}

export function articleTemplate(): FortnoxRecord {
  return {
    ArticleNumber: '', Bulky: false, ConstructionAccount: 0, Depth: 0, Description: '', DisposableQuantity: 0, EAN: '', EUAccount: 3108,
    EUVATAccount: 3106, ExportAccount: 3105, Height: 0, Housework: false, HouseworkType: null, Active: true, Manufacturer: null,
    ManufacturerArticleNumber: '', Note: '', PurchaseAccount: 4000, PurchasePrice: 0, QuantityInStock: 0, ReservedQuantity: 0, SalesAccount: 3001,
    StockGoods: false, StockPlace: null, StockValue: 0, StockWarning: 0, SupplierName: null, SupplierNumber: null, Type: 'STOCK', Unit: null, VAT: 0,
    WebshopArticle: false, Weight: 0, Width: 0, Expired: false, SalesPrice: null, CostCalculationMethod: null, StockAccount: null,
    StockChangeAccount: null, DirectCost: null, FreightCost: null, OtherCost: null, DefaultStockPoint: null, DefaultStockLocation: null,
  };
}

export function projectTemplate(): FortnoxRecord {
  return { Comments: '', ContactPerson: '', Description: '', EndDate: '', ProjectLeader: '', ProjectNumber: '', StartDate: '', Status: 'ONGOING' };
}

export function costCenterTemplate(): FortnoxRecord {
  return { Code: '', Description: '', Note: '', Active: true };
}

export function accountTemplate(): FortnoxRecord {
  return {
    Active: true, BalanceBroughtForward: 0, BalanceCarriedForward: 0, CostCenter: null, CostCenterSettings: 'ALLOWED', Description: '', Number: 0,
    OpeningQuantities: [], Project: '', ProjectSettings: 'ALLOWED', QuantitySettings: 'ALLOWED', QuantityUnit: '', SRU: 0, TransactionInformation: '',
    TransactionInformationSettings: 'ALLOWED', VATCode: null, Year: 0,
  };
}

export function invoiceTemplate(): FortnoxRecord {
  return {
    AdministrationFee: 0, AdministrationFeeVAT: 0, Address1: '', Address2: '', Balance: 0, BasisTaxReduction: 0, Booked: false, Cancelled: false,
    City: '', Comments: '', ContractReference: 0, ContributionPercent: 0, ContributionValue: 0, Country: '', CostCenter: '', Credit: 'false',
    CreditInvoiceReference: '0', Currency: 'SEK', CurrencyRate: 1, CurrencyUnit: 1, CustomerName: '', CustomerNumber: '', DeliveryAddress1: '',
    DeliveryAddress2: '', DeliveryCity: '', DeliveryCountry: '', DeliveryDate: null, DeliveryName: '', DeliveryZipCode: '', DocumentNumber: '',
    DueDate: '', EDIInformation: {
      EDIGlobalLocationNumber: null, EDIGlobalLocationNumberDelivery: null, EDIInvoiceExtra1: null, EDIInvoiceExtra2: null,
      EDIOurElectronicReference: null, EDIYourElectronicReference: null, EDIStatus: '',
    },
    EmailInformation: { EmailAddressFrom: null, EmailAddressTo: '', EmailAddressCC: null, EmailAddressBCC: null, EmailSubject: 'Faktura {no} bifogas', EmailBody: ' ' },
    EUQuarterlyReport: false, ExternalInvoiceReference1: '', ExternalInvoiceReference2: '', Freight: 0, FreightVAT: 0, Gross: 0, HouseWork: false,
    InvoiceDate: '', InvoicePeriodStart: '', InvoicePeriodEnd: '', InvoiceReference: '0', InvoiceRows: [], InvoiceType: 'INVOICE', Labels: [],
    Language: 'SV', LastRemindDate: null, Net: 0, NotCompleted: false, NoxFinans: false, OCR: '', OfferReference: '0', OrderReference: '0',
    OrganisationNumber: '', OurReference: '', PaymentWay: '', Phone1: '', Phone2: '', PriceList: 'A', PrintTemplate: 'st', Project: '',
    WarehouseReady: true, OutboundDate: '', Remarks: '', Reminders: 0, RoundOff: 0, Sent: false, TaxReduction: null, TermsOfDelivery: '',
    TermsOfPayment: '30', TimeBasisReference: null, Total: 0, TotalToPay: 0, TotalVAT: 0, VATIncluded: false, VoucherNumber: null,
    VoucherSeries: null, VoucherYear: null, WayOfDelivery: '', YourOrderNumber: '', YourReference: '', ZipCode: '', AccountingMethod: 'ACCRUAL',
    FinalPayDate: null, TaxReductionType: 'none',
  };
}

export function invoiceRowTemplate(): FortnoxRecord {
  return {
    AccountNumber: 3001, ArticleNumber: '', ContributionPercent: '0', ContributionValue: '0', Cost: 0, CostCenter: '', DeliveredQuantity: '0',
    Description: '', Discount: 0, DiscountType: 'PERCENT', HouseWork: false, HouseWorkHoursToReport: null, HouseWorkType: null, Price: 0,
    PriceExcludingVAT: 0, Project: '', RowId: 0, StockPointCode: null, Total: 0, TotalExcludingVAT: 0, Unit: '', VAT: 25,
  };
}

export function supplierInvoiceTemplate(): FortnoxRecord {
  return {
    AdministrationFee: '0', Balance: '0', Booked: false, Cancelled: false, Comments: '', CostCenter: '', Credit: false, CreditReference: 0,
    Currency: 'SEK', CurrencyRate: '1', CurrencyUnit: 1, DisablePaymentFile: false, DueDate: '', ExternalInvoiceNumber: '', ExternalInvoiceSeries: '',
    FinalPayDate: '', Freight: '0', GivenNumber: '', InvoiceDate: '', InvoiceNumber: '', OCR: '', OurReference: '', PaymentPending: false, Project: '',
    RoundOffValue: '0', SalesType: 'STOCK', SupplierInvoiceRows: [], SupplierName: '', SupplierNumber: '', Total: '0', VAT: '0', VATType: 'NORMAL',
    VoucherNumber: null, VoucherSeries: null, VoucherYear: null, Vouchers: [], YourReference: '', AccountingMethod: 'ACCRUAL',
  };
}

export function supplierInvoiceRowTemplate(): FortnoxRecord {
  return {
    Account: 0, AccountDescription: '', ArticleNumber: '', Code: '', CostCenter: '', Credit: 0, CreditCurrency: 0, Debit: 0, DebitCurrency: 0,
    ItemDescription: '', Price: 0, Project: '', Quantity: 0, StockLocationCode: null, StockPointCode: null, Total: 0, TransactionInformation: '', Unit: '',
  };
}

export function voucherRowTemplate(): FortnoxRecord {
  return { Account: 0, CostCenter: '', Credit: 0, Debit: 0, Description: '', Project: '', Quantity: 0, Removed: false, TransactionInformation: '' };
}
